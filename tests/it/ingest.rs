//! Ingest: the input forms kubetopo reads and how leniently it reads them.
//!
//! Every test is YAML (or JSON) in, expected facts out. `check` analyzes the input,
//! renders what ingest made of it as one fact per line (objects with their source
//! positions, then diagnostics), and looks for each expected fact. A fact may use `*`
//! as a wildcard; a fact starting with `!` must match no line. On failure the whole
//! dump is printed, so a broken expectation shows what the engine did instead.
//!
//! House rules from STYLE.md ("Parsing never fails as a whole", "Raw, then resolved")
//! and the input forms a user pastes: `kubectl get -o yaml` dumps, Helm output, JSON.

use crate::common::{check_facts, diagnostic_fact};
use std::time::{Duration, Instant};

use kubetopo::engine::config::Config;
use kubetopo::engine::diag::Severity;
use kubetopo::engine::ingest::{SourceFile, MAX_REPLICAS};
use kubetopo::engine::model::{Meta, PortRef};
use kubetopo::engine::yaml::{MAX_DEPTH, MAX_INPUT_BYTES};
use kubetopo::engine::{analyze, Topology};

// ---------------------------------------------------------------------------
// The check helper and its fact dump
// ---------------------------------------------------------------------------

/// Analyzes `files` (name, text) and checks every expected fact; returns the topology
/// for the few assertions that are easier written as code.
fn check(files: &[(&str, &str)], expected: &[&str]) -> Topology {
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(name, text)| SourceFile::new(*name, *text))
        .collect();
    let topology = analyze(&sources, &Config::default());
    let dump = dump(&topology);
    check_facts(&dump, expected);
    for diagnostic in &topology.diagnostics {
        // Whatever the input, a diagnostic is complete (§ STYLE "pointed at by file,
        // document index, line and column").
        assert!(
            !diagnostic.code.is_empty()
                && diagnostic
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{diagnostic:?}"
        );
        assert!(!diagnostic.message.is_empty(), "{diagnostic:?}");
        assert!(
            sources.iter().any(|s| s.name == diagnostic.source.file),
            "{diagnostic:?}"
        );
        assert!(
            diagnostic.source.line >= 1 && diagnostic.source.column >= 1,
            "{diagnostic:?}"
        );
        if diagnostic.code != "input-too-large" {
            assert!(diagnostic.source.document >= 1, "{diagnostic:?}");
        }
        if !diagnostic.code.starts_with("yaml-")
            && !matches!(
                diagnostic.code,
                "not-an-object" | "missing-kind" | "missing-name" | "input-too-large"
            )
        {
            assert!(
                !diagnostic.object.is_empty(),
                "object-level diagnostic without an object: {diagnostic:?}"
            );
        }
        if diagnostic.code == "field-type" {
            assert!(!diagnostic.field.is_empty(), "{diagnostic:?}");
        }
    }
    topology
}

fn at(meta: &Meta) -> String {
    format!(
        "@{}#{}:{}:{}",
        meta.source.file, meta.source.document, meta.source.line, meta.source.column
    )
}

fn pairs<'a>(map: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let text: Vec<String> = map.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", text.join(","))
}

/// What ingest read, one fact per line.
fn dump(topology: &Topology) -> Vec<String> {
    let manifests = &topology.manifests;
    let mut lines = Vec::new();
    for namespace in &manifests.namespaces {
        lines.push(format!(
            "namespace {} {}",
            namespace.meta.name,
            at(&namespace.meta)
        ));
    }
    for node in &manifests.nodes {
        lines.push(format!(
            "node {} labels={} {}",
            node.meta.name,
            pairs(&node.meta.labels),
            at(&node.meta)
        ));
    }
    for pod in &manifests.pods {
        let ips: Vec<String> = pod.status.pod_ips.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "pod {}/{} labels={} ips={} ready={:?} {}",
            pod.meta.namespace,
            pod.meta.name,
            pairs(&pod.meta.labels),
            ips.join(","),
            pod.status.ready,
            at(&pod.meta)
        ));
    }
    for workload in &manifests.workloads {
        let containers: Vec<String> = workload
            .template
            .spec
            .containers
            .iter()
            .map(|c| {
                let ports: Vec<String> = c
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}{}/{}",
                            p.name
                                .as_deref()
                                .map(|n| format!("{n}:"))
                                .unwrap_or_default(),
                            p.container_port,
                            p.protocol
                        )
                    })
                    .collect();
                format!("{}[{}]", c.name, ports.join(","))
            })
            .collect();
        lines.push(format!(
            "workload {}/{}/{} replicas={} labels={} containers={} {}",
            workload.kind.as_str(),
            workload.meta.namespace,
            workload.meta.name,
            workload.replicas,
            pairs(&workload.template.labels),
            containers.join(","),
            at(&workload.meta)
        ));
    }
    for service in &manifests.services {
        let ports: Vec<String> = service
            .spec
            .ports
            .iter()
            .map(|p| {
                let target = match &p.target_port {
                    PortRef::Number(n) => n.to_string(),
                    PortRef::Name(name) => name.clone(),
                };
                format!(
                    "{}{}/{}->{}",
                    p.name
                        .as_deref()
                        .map(|n| format!("{n}:"))
                        .unwrap_or_default(),
                    p.port,
                    p.protocol,
                    target
                )
            })
            .collect();
        let selector = service
            .spec
            .selector
            .as_ref()
            .map(pairs)
            .unwrap_or_else(|| "none".into());
        lines.push(format!(
            "service {}/{} type={} selector={} ports=[{}] labels={} {}",
            service.meta.namespace,
            service.meta.name,
            service.spec.service_type.as_str(),
            selector,
            ports.join(","),
            pairs(&service.meta.labels),
            at(&service.meta)
        ));
    }
    for slice in &manifests.endpoint_slices {
        lines.push(format!(
            "slice {}/{} service={} endpoints={} legacy={} {}",
            slice.meta.namespace,
            slice.meta.name,
            slice.service_name,
            slice.endpoints.len(),
            slice.legacy,
            at(&slice.meta)
        ));
    }
    for ingress in &manifests.ingresses {
        lines.push(format!(
            "ingress {}/{} class={:?} rules={} {}",
            ingress.meta.namespace,
            ingress.meta.name,
            ingress.class_name,
            ingress.rules.len(),
            at(&ingress.meta)
        ));
    }
    for class in &manifests.ingress_classes {
        lines.push(format!(
            "ingressclass {} controller={} {}",
            class.meta.name,
            class.controller,
            at(&class.meta)
        ));
    }
    for policy in &manifests.network_policies {
        lines.push(format!(
            "policy {}/{} {}",
            policy.meta.namespace,
            policy.meta.name,
            at(&policy.meta)
        ));
    }
    for (object, source) in &manifests.ignored {
        lines.push(format!(
            "ignored {object} @{}#{}:{}:{}",
            source.file, source.document, source.line, source.column
        ));
    }
    lines.push(format!("pods {}", topology.cluster.pods.len()));
    lines.extend(topology.diagnostics.iter().map(diagnostic_fact));
    lines
}

fn n_errors(topology: &Topology) -> usize {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

// ---------------------------------------------------------------------------
// Input forms
// ---------------------------------------------------------------------------

const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
";

/// Multi-document YAML: each object keeps its document index and the line and column
/// where it starts.
#[test]
fn multi_document_yaml() {
    let topology = check(
        &[("web.yaml", WEB)],
        &[
            "workload Deployment/default/web replicas=2 labels={app=web} containers=web[http:8080/TCP] @web.yaml#1:1:1",
            "service default/web type=ClusterIP selector={app=web} ports=[http:80/TCP->http] labels={} @web.yaml#2:20:1",
            "namespace shop @web.yaml#3:32:1",
            "pods 2",
            "!diag error *",
        ],
    );
    assert_eq!(topology.services[0].endpoints.len(), 2);
}

/// Two files: diagnostics and objects name their own file, and documents count per file.
#[test]
fn several_files() {
    check(
        &[("a.yaml", WEB), ("b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  ports: [{port: eighty}]\n")],
        &[
            "service default/web * @a.yaml#2:20:1",
            "service default/api * @b.yaml#1:1:1",
            "diag error field-type Service/default/api spec.ports[0].port @b.yaml#1:5:18 *",
        ],
    );
}

/// JSON is YAML 1.2: one-line and pretty-printed JSON read the same way, tabs included.
#[test]
fn json_input() {
    let one_line = r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"api","namespace":"shop","labels":{"tier":"backend"}},"spec":{"selector":{"app":"api"},"ports":[{"name":"grpc","port":9090,"targetPort":"grpc","protocol":"TCP"}]}}"#;
    let pretty = "{\n  \"apiVersion\": \"apps/v1\",\n  \"kind\": \"Deployment\",\n  \"metadata\": {\n    \"name\": \"api\",\n    \"namespace\": \"shop\"\n  },\n  \"spec\": {\n    \"replicas\": 3,\n    \"selector\": {\"matchLabels\": {\"app\": \"api\"}},\n    \"template\": {\n      \"metadata\": {\"labels\": {\"app\": \"api\"}},\n      \"spec\": {\"containers\": [{\"name\": \"api\", \"ports\": [{\"name\": \"grpc\", \"containerPort\": 9090}]}]}\n    }\n  }\n}\n";
    let tabbed = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Namespace\",\n\t\"metadata\": {\n\t\t\"name\": \"shop\"\n\t}\n}\n";
    let topology = check(
        &[("svc.json", one_line), ("deploy.json", pretty), ("ns.json", tabbed)],
        &[
            "service shop/api type=ClusterIP selector={app=api} ports=[grpc:9090/TCP->grpc] labels={tier=backend} @svc.json#1:1:1",
            "workload Deployment/shop/api replicas=3 labels={app=api} containers=api[grpc:9090/TCP] @deploy.json#1:1:1",
            "namespace shop @ns.json#1:1:1",
            "pods 3",
            "!diag error *",
        ],
    );
    assert_eq!(topology.services[0].endpoints.len(), 3);
}

/// `kubectl get -o yaml` wraps objects in `kind: List`; lists may nest, typed lists
/// (`ServiceList`) included. Items point at their own line inside the list's document.
#[test]
fn kubectl_list_dumps_and_nested_lists() {
    let dump = "\
apiVersion: v1
kind: List
metadata:
  resourceVersion: \"\"
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: db
    namespace: data
  spec:
    selector: {app: db}
    ports: [{port: 5432}]
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: ServiceList
    items:
    - apiVersion: v1
      kind: Service
      metadata: {name: cache, namespace: data}
      spec: {ports: [{port: 6379}]}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: data}
- apiVersion: v1
  kind: Pod
  metadata:
    name: db-0
    namespace: data
    labels: {app: db}
  spec:
    nodeName: worker-1
    containers: [{name: db}]
  status:
    phase: Running
    podIP: 10.1.0.7
    conditions:
    - {type: Ready, status: \"True\"}
";
    check(
        &[("dump.yaml", dump)],
        &[
            "service data/db type=ClusterIP selector={app=db} ports=[5432/TCP->5432] labels={} @dump.yaml#1:6:3",
            "service data/cache type=ClusterIP selector=none ports=[6379/TCP->6379] labels={} @dump.yaml#1:20:7",
            "ignored ConfigMap/data/settings @dump.yaml#1:24:5",
            "pod data/db-0 labels={app=db} ips=10.1.0.7 ready=Some(true) @dump.yaml#1:27:3",
            "diag info ignored-kind ConfigMap/data/settings - @dump.yaml#1:24:5 *",
            "!diag error *",
            "!* List*",
        ],
    );
}

/// Helm output: `---` then a `# Source:` comment per template; templates that render
/// to nothing leave comment-only documents, which are skipped but still counted.
#[test]
fn helm_output_with_source_comments() {
    let helm = "\
---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
---
# Source: shop/templates/hpa.yaml
# (disabled in values.yaml)
---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop
  labels:
    helm.sh/chart: shop-0.1.0
    app.kubernetes.io/name: shop
spec:
  type: ClusterIP
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: shop
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: shop
  template:
    metadata:
      labels:
        app.kubernetes.io/name: shop
    spec:
      containers:
        - name: shop
          ports:
            - name: http
              containerPort: 80
              protocol: TCP
";
    let topology = check(
        &[("rendered.yaml", helm)],
        &[
            "ignored ServiceAccount/default/shop @rendered.yaml#1:3:1",
            "service default/shop type=ClusterIP selector={app.kubernetes.io/name=shop} ports=[http:80/TCP->http] labels={app.kubernetes.io/name=shop,helm.sh/chart=shop-0.1.0} @rendered.yaml#3:12:1",
            "workload Deployment/default/shop replicas=1 * @rendered.yaml#4:30:1",
            "!diag error *",
            "!diag warning *",
        ],
    );
    assert_eq!(topology.services[0].endpoints[0].ports[0].port, 80);
}

/// Windows line endings: positions count lines as usual and no value keeps a `\r`.
#[test]
fn crlf_line_endings() {
    let crlf = WEB.replace('\n', "\r\n");
    let topology = check(
        &[("crlf.yaml", &crlf)],
        &[
            "workload Deployment/default/web replicas=2 labels={app=web} containers=web[http:8080/TCP] @crlf.yaml#1:1:1",
            "service default/web type=ClusterIP selector={app=web} ports=[http:80/TCP->http] labels={} @crlf.yaml#2:20:1",
            "namespace shop @crlf.yaml#3:32:1",
            "!diag error *",
        ],
    );
    assert!(topology
        .cluster
        .pods
        .iter()
        .all(|pod| !pod.name.contains('\r')));
    assert_eq!(topology.services[0].endpoints.len(), 2);
}

/// YAML anchors, aliases and merge keys are expanded as a YAML library would.
#[test]
fn anchors_aliases_and_merge_keys() {
    let yaml = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: &labels
    app: api
    tier: backend
spec:
  replicas: 1
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
      - &container
        name: api
        ports: [{name: http, containerPort: 8080}]
      - <<: *container
        name: sidecar
        ports: [{name: admin, containerPort: 9901}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api, tier: backend}
  ports: [{name: http, port: 80, targetPort: http}]
";
    let topology = check(
        &[("anchors.yaml", yaml)],
        &["workload Deployment/default/api replicas=1 labels={app=api,tier=backend} containers=api[http:8080/TCP],sidecar[admin:9901/TCP] *", "!diag error *"],
    );
    assert_eq!(topology.services[0].endpoints.len(), 1);
}

/// Empty documents, a bare `---`, comment-only documents and `...` end markers yield
/// no objects and no diagnostics, and do not shift the documents after them.
#[test]
fn empty_and_comment_only_documents() {
    let yaml = "\
# a file header comment
---
---
# just a comment
---

...
---
apiVersion: v1
kind: Namespace
metadata: {name: after-empties}
---
";
    let topology = check(
        &[("empties.yaml", yaml)],
        &["namespace after-empties @empties.yaml#4:9:1"],
    );
    assert!(
        topology.diagnostics.is_empty(),
        "{:?}",
        topology.diagnostics
    );
    let empty = check(
        &[
            ("empty.yaml", ""),
            ("comment.yaml", "# nothing here\n"),
            ("blank.yaml", "\n\n   \n"),
        ],
        &[],
    );
    assert!(empty.diagnostics.is_empty(), "{:?}", empty.diagnostics);
}

/// Kinds kubetopo does not model are listed as info `ignored-kind`, never an error or
/// warning, whether built in, cluster-scoped or custom resources.
#[test]
fn unknown_kinds_are_ignored_with_info() {
    let yaml = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {key: value}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: example.com/v1alpha1
kind: Widget
metadata: {name: gizmo}
spec: {size: [1, 2, 3], nested: {deep: true}}
";
    let topology = check(
        &[("kinds.yaml", yaml)],
        &[
            "ignored ConfigMap/shop/settings @kinds.yaml#1:1:1",
            "ignored ClusterRole/reader @kinds.yaml#2:6:1",
            "ignored Widget/default/gizmo @kinds.yaml#3:11:1",
            "diag info ignored-kind ConfigMap/shop/settings - @kinds.yaml#1:1:1 Kind ConfigMap is not modelled*",
            "diag info ignored-kind ClusterRole/reader - @kinds.yaml#2:6:1 *",
            "diag info ignored-kind Widget/default/gizmo - @kinds.yaml#3:11:1 *",
        ],
    );
    assert!(
        topology
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Info),
        "{:?}",
        topology.diagnostics
    );
}

// ---------------------------------------------------------------------------
// Lenient reading: a bad field is reported at its own line and skipped
// ---------------------------------------------------------------------------

/// `port: eighty` is a `field-type` error at that line and column with the field path;
/// the other port, the selector, and the other documents are still used.
#[test]
fn wrong_type_port_is_reported_at_its_own_line() {
    let yaml = "\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: eighty
  - name: admin
    port: 9000
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  labels: {app: web}
spec:
  containers: [{name: web}]
";
    let topology = check(
        &[("lenient.yaml", yaml)],
        &[
            "service default/web type=ClusterIP selector={app=web} ports=[admin:9000/TCP->9000] * @lenient.yaml#1:1:1",
            "diag error field-type Service/default/web spec.ports[0].port @lenient.yaml#1:10:11 `spec.ports[0].port` should be an integer, but it is \"eighty\"*",
            "pod default/web-1 *",
        ],
    );
    assert_eq!(n_errors(&topology), 1, "{:#?}", topology.diagnostics);
    let service = &topology.services[0];
    assert_eq!(service.endpoints.len(), 1);
    assert_eq!(service.endpoints[0].ports[0].port, 9000);
}

/// `replicas: lots` is a `field-type` error on `spec.replicas` at its line; the
/// Deployment is still read with the default of one replica.
#[test]
fn wrong_type_replicas_falls_back_to_default() {
    let yaml = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  replicas: lots
  selector:
    matchLabels: {app: cart}
  template:
    metadata:
      labels: {app: cart}
    spec:
      containers:
      - name: cart
        ports: [{name: grpc, containerPort: 7070}]
";
    let topology = check(
        &[("replicas.yaml", yaml)],
        &[
            "namespace shop *",
            "workload Deployment/shop/cart replicas=1 labels={app=cart} containers=cart[grpc:7070/TCP] @replicas.yaml#2:5:1",
            "diag error field-type Deployment/shop/cart spec.replicas @replicas.yaml#2:11:13 *\"lots\"*",
            "pods 1",
        ],
    );
    assert_eq!(n_errors(&topology), 1);
}

/// Fields kubetopo does not read are never type-checked: `cpu: 1.5` (a float where
/// a quantity string is usual) is accepted silently.
#[test]
fn unread_fields_are_accepted_silently() {
    let yaml = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: calc}
spec:
  replicas: 1
  selector: {matchLabels: {app: calc}}
  template:
    metadata: {labels: {app: calc}}
    spec:
      containers:
      - name: calc
        resources:
          requests: {cpu: 1.5, memory: 1Gi}
          limits: {cpu: 2}
        someFutureField: [1, {x: y}]
";
    let topology = check(
        &[("cpu.yaml", yaml)],
        &["workload Deployment/default/calc replicas=1 *", "pods 1"],
    );
    assert!(
        topology.diagnostics.is_empty(),
        "{:?}",
        topology.diagnostics
    );
}

/// A YAML syntax error refuses only its own document: the documents before and after it
/// are read, and the error points into the broken document.
#[test]
fn broken_document_does_not_hide_later_ones() {
    let yaml = "\
apiVersion: v1
kind: Service
metadata: {name: before}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: broken
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata:
  name: after
spec:
  ports: [{port: 80}]
";
    let topology = check(
        &[("broken.yaml", yaml)],
        &[
            "service default/before * @broken.yaml#1:1:1",
            "service default/after * @broken.yaml#3:11:1",
            "diag error yaml-syntax - - @broken.yaml#2:* YAML syntax error*",
            "!service default/broken*",
        ],
    );
    let syntax = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "yaml-syntax")
        .unwrap();
    assert!((6..=10).contains(&syntax.source.line), "{syntax:?}");
}

/// Objects that are not objects, or lack a kind or a name, are errors pointed at the
/// object; the rest of the stream is read.
#[test]
fn documents_that_are_not_objects() {
    let yaml = "\
just a string
---
- a
- list
---
apiVersion: v1
metadata: {name: kindless}
---
apiVersion: v1
kind: Service
metadata: {labels: {a: b}}
---
apiVersion: v1
kind: Service
metadata: {generateName: gen-}
spec: {ports: [{port: 80}]}
";
    check(
        &[("odd.yaml", yaml)],
        &[
            "diag error not-an-object - - @odd.yaml#1:1:1 *",
            "diag error not-an-object - - @odd.yaml#2:3:1 *",
            "diag error missing-kind - - @odd.yaml#3:6:1 *",
            "diag error missing-name Service metadata.name @odd.yaml#4:9:1 *",
            "service default/gen-xxxxx * @odd.yaml#5:13:1",
        ],
    );
}

/// Every diagnostic carries code, severity, object, field, message and a full source,
/// whatever produced it: yaml, ingest, cluster, resolve or explain.
#[test]
fn every_diagnostic_is_complete() {
    let yaml = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: -3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: web
        ports: [{containerPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: Sideways
  selector: {app: web}
  ports: [{port: 80, protocol: TCPX, nodePort: 99999}]
---
kind: [
";
    let topology = check(
        &[("messy.yaml", yaml)],
        &[
            "diag error invalid-replicas Deployment/default/web spec.replicas @messy.yaml#1:5:13 *",
            "diag error field-type Deployment/default/web spec.template.spec.containers[0].ports[0].containerPort @messy.yaml#1:12:33 *",
            "diag error workload-selector-mismatch Deployment/default/web spec.selector @messy.yaml#1:6:* *",
            "diag error service-invalid-type Service/default/web spec.type @messy.yaml#2:18:9 *",
            "diag error invalid-protocol Service/default/web spec.ports[0].protocol @messy.yaml#2:20:* *",
            "diag warning service-selects-no-pods Service/default/web spec.selector @messy.yaml#2:19:* *",
            "diag error yaml-syntax - - @messy.yaml#3:* *",
        ],
    );
    assert!(topology.diagnostics.len() >= 7);
}

// ---------------------------------------------------------------------------
// Limits: hostile input is refused with a diagnostic, quickly, without a panic
// ---------------------------------------------------------------------------

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = work();
    (value, start.elapsed())
}

/// "Billion laughs": nested aliases that would expand to 10^12 nodes are refused.
#[test]
fn alias_bomb_is_refused_quickly() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let previous = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "  a{level}: &a{level} [{}]\n",
            [previous.as_str(); 10].join(", ")
        ));
    }
    let yaml =
        format!("{bomb}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: survivor}}\n");
    let (topology, elapsed) = timed(|| {
        check(
            &[("bomb.yaml", &yaml)],
            &[
                "diag error yaml-alias-bomb - - @bomb.yaml#1:* *",
                "namespace survivor @bomb.yaml#2:*",
                "!ignored *lol*",
            ],
        )
    });
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(n_errors(&topology), 1);
}

/// Nesting deeper than MAX_DEPTH (100), in block or flow style, refuses the document;
/// exactly MAX_DEPTH levels is still read.
#[test]
fn nesting_deeper_than_the_limit_is_refused() {
    let nested_block = |levels: usize| {
        let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n");
        // The root map is level 1; each `k:` opens one more.
        for level in 1..levels {
            text.push_str(&format!("{}k{level}:\n", "  ".repeat(level - 1)));
        }
        text.push_str(&format!("{}leaf: 1\n", "  ".repeat(levels - 1)));
        text
    };
    let ok = check(
        &[("deep.yaml", &nested_block(MAX_DEPTH))],
        &["ignored ConfigMap/default/deep *"],
    );
    assert_eq!(n_errors(&ok), 0);
    check(
        &[("deep.yaml", &nested_block(MAX_DEPTH + 1))],
        &[
            "diag error yaml-too-deep - - @deep.yaml#1:* *",
            "!ignored *",
        ],
    );

    let flow = format!(
        "{}1{}\n---\nkind: Namespace\napiVersion: v1\nmetadata: {{name: survivor}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (_, elapsed) = timed(|| {
        check(
            &[("flow.yaml", &flow)],
            &[
                "diag error yaml-too-deep - - @flow.yaml#1:* *",
                "namespace survivor *",
            ],
        )
    });
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

/// More than MAX_REPLICAS (10,000) replicas is refused for that workload with
/// `too-many-replicas`; nothing is simulated for it, quickly.
#[test]
fn too_many_replicas_are_refused() {
    let yaml = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: huge}}\nspec:\n  replicas: {}\n  selector: {{matchLabels: {{app: huge}}}}\n  template:\n    metadata: {{labels: {{app: huge}}}}\n    spec: {{containers: [{{name: c}}]}}\n",
        MAX_REPLICAS + 1
    );
    let (topology, elapsed) = timed(|| {
        check(&[("huge.yaml", &yaml)], &["diag error too-many-replicas Deployment/default/huge spec.replicas @huge.yaml#1:5:13 *10001*", "pods 0"])
    });
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(topology.manifests.workloads.len(), 1);
}

/// A 50 MB+ input is refused up front with `input-too-large`, without parsing it.
#[test]
fn input_over_fifty_megabytes_is_refused() {
    // A comment line repeated: cheap to build, and it would parse to nothing anyway.
    let line =
        "# padding padding padding padding padding padding padding padding padding padding\n";
    let big = line.repeat(MAX_INPUT_BYTES / line.len() + 1);
    assert!(big.len() > MAX_INPUT_BYTES);
    let (topology, elapsed) = timed(|| {
        check(
            &[
                ("big.yaml", &big),
                (
                    "small.yaml",
                    "apiVersion: v1\nkind: Namespace\nmetadata: {name: fine}\n",
                ),
            ],
            &[
                "diag error input-too-large - - @big.yaml#0:1:1 The input is 50 MB*",
                "namespace fine @small.yaml#1:1:1",
            ],
        )
    });
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(topology.diagnostics.len(), 1);
}

// ---------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------

/// The same Kind/namespace/name twice is a `duplicate-object` warning at the second
/// one, which replaces the first as `kubectl apply` would. Same name in another
/// namespace or of another kind is not a duplicate.
#[test]
fn duplicate_objects() {
    let yaml = "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec: {ports: [{port: 81}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 8080}]}
";
    let topology = check(
        &[("dup.yaml", yaml)],
        &[
            "diag warning duplicate-object Service/default/web - @dup.yaml#4:19:1 *earlier definition (document 1, line 1)*",
            "service default/web type=ClusterIP selector=none ports=[8080/TCP->8080] * @dup.yaml#4:19:1",
            "service other/web * ports=[81/TCP->81] *",
            "!service default/web * ports=[80/TCP->80] *",
            "workload Deployment/default/web *",
        ],
    );
    assert_eq!(
        topology
            .diagnostics
            .iter()
            .filter(|d| d.code == "duplicate-object")
            .count(),
        1
    );
    assert_eq!(topology.services.len(), 2);
}

/// Pasting a cluster beside itself (issue #9: the benchmark's second paste): every
/// object is a duplicate, the second file's definitions replace the first's, and the
/// model is the one file's, in its order. Each object is defined three times here,
/// the last time in `c.yaml`, Endpoints and EndpointSlices of one name included.
#[test]
fn a_cluster_pasted_beside_itself_keeps_the_last_copy_of_each_object() {
    let yaml = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
---
apiVersion: v1
kind: Endpoints
metadata: {name: web, namespace: shop}
subsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web, namespace: shop}
addressType: IPv4
endpoints: [{addresses: [10.0.0.2]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
";
    let files: Vec<SourceFile> = ["a.yaml", "b.yaml", "c.yaml"]
        .into_iter()
        .map(|name| SourceFile::new(name, yaml))
        .collect();
    let config = kubetopo::engine::config::Config::default();
    let tripled = kubetopo::engine::analyze(&files, &config);
    let single = kubetopo::engine::analyze(&[SourceFile::new("c.yaml", yaml)], &config);
    let n_duplicates = tripled
        .diagnostics
        .iter()
        .filter(|d| d.code == "duplicate-object")
        .count();
    // Six objects, each defined twice more.
    assert_eq!(n_duplicates, 12);
    assert_eq!(tripled.manifests.namespaces.len(), 1);
    assert_eq!(tripled.manifests.services.len(), 1);
    assert_eq!(tripled.manifests.workloads.len(), 1);
    assert_eq!(tripled.manifests.ignored.len(), 1);
    assert_eq!(
        tripled.manifests.endpoint_slices.len(),
        single.manifests.endpoint_slices.len()
    );
    // What is kept is the last file's, and the result is the single file's.
    assert!(tripled
        .manifests
        .endpoint_slices
        .iter()
        .all(|slice| slice.meta.source.file == "c.yaml"));
    assert_eq!(tripled.manifests.ignored[0].1.file, "c.yaml");
    assert_eq!(tripled.manifests.workloads[0].meta.source.file, "c.yaml");
    let pod_names = |topology: &Topology| -> Vec<String> {
        topology
            .cluster
            .pods
            .iter()
            .map(|pod| pod.name.clone())
            .collect()
    };
    assert_eq!(pod_names(&tripled), pod_names(&single));
    assert_eq!(pod_names(&tripled).len(), 2);
    assert_eq!(
        tripled.services[0].endpoints.len(),
        single.services[0].endpoints.len()
    );
}

/// A workload without `spec` is reported, not dropped silently.
#[test]
fn workload_without_spec_is_reported() {
    let topology = kubetopo::engine::analyze(
        &[SourceFile::new(
            "w.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bare}\n",
        )],
        &kubetopo::engine::config::Config::default(),
    );
    let diagnostic = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "missing-template")
        .expect("missing-template");
    assert_eq!(
        (diagnostic.object.as_str(), diagnostic.field.as_str()),
        ("Deployment/default/bare", "spec")
    );
    assert!(topology.cluster.pods.is_empty());
}

/// A duplicated object of an unmodelled kind is listed once, like any duplicate.
#[test]
fn duplicated_ignored_object_is_listed_once() {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let topology = kubetopo::engine::analyze(
        &[SourceFile::new("c.yaml", yaml)],
        &kubetopo::engine::config::Config::default(),
    );
    assert_eq!(topology.manifests.ignored.len(), 1);
    assert!(topology
        .diagnostics
        .iter()
        .any(|d| d.code == "duplicate-object"));
}
