//! `kubetopo migrate` (§9.5) and the ingress-nginx annotations the Ingress trace
//! follows (§9.4): the generated Gateway API objects, their diagnostics, and the
//! equivalence check: every host and path an Ingress routes is traced before (through
//! the Ingress) and after (through the generated Gateway and HTTPRoutes, analysed with
//! the same Services and pods, the Ingresses removed), and both reach the same Service
//! with the same redirect and rewrite.

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::migrate::{self, Migration, Scope};
use kubetopo::engine::model::Protocol;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::trace::{
    Chooser, Destination, HttpOptions, Scheme, Trace, TraceSource, Tracer, Verdict,
};
use kubetopo::engine::{analyze, Topology};
use proptest::prelude::*;

/// Returns the same index for every choice (clamped by `Chooser::pick`). The Ingress
/// trace and a Gateway both draw a weighted backend as one index below the total
/// weight, main backend first, so index k selects the same side on both.
struct Constant(usize);

impl Chooser for Constant {
    fn choose(&mut self, _n: usize) -> usize {
        self.0
    }
}

/// What a request ended in, as far as the migration must keep it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Answer {
    verdict: Verdict,
    service: Option<NamespacedName>,
    location: Option<String>,
    request_path: Option<String>,
}

fn answer_before(trace: &Trace) -> Answer {
    let ingress = trace.ingress.as_ref();
    Answer {
        verdict: trace.verdict,
        service: ingress.and_then(|i| i.backend_service.clone()),
        location: ingress.and_then(|i| i.location.clone()),
        request_path: (trace.verdict == Verdict::Delivered)
            .then(|| ingress.map(|i| i.request_path.clone()))
            .flatten(),
    }
}

fn answer_after(trace: &Trace) -> Answer {
    let http = trace.http.as_ref();
    Answer {
        verdict: trace.verdict,
        service: http.and_then(|h| h.backend_service.clone()),
        location: http.and_then(|h| h.location.clone()),
        request_path: (trace.verdict == Verdict::Delivered)
            .then(|| http.map(|h| h.request_path.clone()))
            .flatten(),
    }
}

/// The input without its Ingress documents, plus the generated objects.
fn after_files(files: &[SourceFile], migration: &Migration) -> Vec<SourceFile> {
    let mut after: Vec<SourceFile> = files
        .iter()
        .map(|file| {
            let kept: Vec<&str> = file
                .text
                .split("\n---\n")
                .filter(|document| !document.contains("\nkind: Ingress\n"))
                .collect();
            SourceFile::new(file.name.clone(), kept.join("\n---\n"))
        })
        .collect();
    after.push(SourceFile::new("migrated.yaml", migration.to_yaml()));
    after
}

struct Request {
    scheme: Scheme,
    host: String,
    path: String,
}

/// Every request worth checking: every host a route names (a wildcard filled with
/// one label, plus a host no rule names) with every path a route names, a path below
/// it and one beside it; https only for hosts with an HTTPS listener.
fn requests(before: &Topology, tls_hosts: &[String]) -> Vec<Request> {
    let mut hosts = vec!["unnamed.example.net".to_string()];
    let mut paths = vec!["/not-routed-anywhere".to_string()];
    for ingress in &before.ingresses {
        for route in &ingress.routes {
            if let Some(host) = route.host.as_ref().filter(|_| !route.default_backend) {
                hosts.push(host.to_ascii_lowercase().replace("*.", "x."));
            }
            let base = route.path.trim_end_matches('/');
            paths.extend([
                route.path.clone(),
                format!("{base}/sub"),
                format!("{base}x"),
            ]);
        }
    }
    hosts.sort();
    hosts.dedup();
    paths.sort();
    paths.dedup();
    let mut requests = Vec::new();
    for host in &hosts {
        for path in &paths {
            requests.push(Request {
                scheme: Scheme::Http,
                host: host.clone(),
                path: path.clone(),
            });
            if tls_hosts.contains(host) {
                requests.push(Request {
                    scheme: Scheme::Https,
                    host: host.clone(),
                    path: path.clone(),
                });
            }
        }
    }
    requests
}

/// Traces every request before and after for each chooser index, and returns the
/// mismatches as text (empty when the migration is equivalent).
fn mismatches(files: &[SourceFile], indices: &[usize]) -> Vec<String> {
    let config = Config::default();
    let before = analyze(files, &config);
    let migration = migrate::migrate(&before, Scope::All);
    let after = analyze(&after_files(files, &migration), &config);
    let tls_hosts: Vec<String> = before
        .ingresses
        .iter()
        .flat_map(|i| i.tls_hosts.iter().map(|h| h.to_ascii_lowercase()))
        .collect();
    // Diagnosed, so not a mismatch: over HTTPS to a host with its own listener, the
    // rules without a host are not migrated (`migrate-hostless-rules-on-https`).
    let https_gap = migration
        .diagnostics
        .iter()
        .any(|d| d.code == "migrate-hostless-rules-on-https");
    let before_tracer = Tracer::new(&before);
    let after_tracer = Tracer::new(&after);
    let mut problems = Vec::new();
    let source = TraceSource::External {
        client_ip: "198.51.100.7".parse().unwrap(),
    };
    for request in requests(&before, &tls_hosts) {
        for &index in indices {
            let url = Destination::Url {
                scheme: request.scheme,
                host: request.host.clone(),
                port: None,
                path: request.path.clone(),
                query: None,
            };
            let traced_before = before_tracer.trace_http(
                &source,
                &url,
                Protocol::Tcp,
                &HttpOptions::default(),
                &mut Constant(index),
            );
            // After: to the Gateway's address, with the host as Host header and SNI.
            let Some(gateway) = after.gateway.gateways.first() else {
                problems.push(format!(
                    "no Gateway after migration:\n{}",
                    migration.to_yaml()
                ));
                return problems;
            };
            let address = gateway.address_ips.first().map(ToString::to_string);
            let to_gateway = Destination::Url {
                scheme: request.scheme,
                host: address.unwrap_or_default(),
                port: None,
                path: request.path.clone(),
                query: None,
            };
            let options = HttpOptions {
                host: Some(request.host.clone()),
                sni: Some(request.host.clone()),
                ..HttpOptions::default()
            };
            let traced_after = after_tracer.trace_http(
                &source,
                &to_gateway,
                Protocol::Tcp,
                &options,
                &mut Constant(index),
            );
            let (a, b) = (answer_before(&traced_before), answer_after(&traced_after));
            let diagnosed =
                https_gap && request.scheme == Scheme::Https && b.verdict == Verdict::Unresolved;
            if a != b && !diagnosed {
                problems.push(format!(
                    "{}://{}{} (choice {index}): before {a:?}, after {b:?}\nbefore: {}\nafter: {}",
                    request.scheme.as_str(),
                    request.host,
                    request.path,
                    traced_before.reason,
                    traced_after.reason
                ));
            }
        }
    }
    problems
}

fn read_files(paths: &[&str]) -> Vec<SourceFile> {
    let root = env!("CARGO_MANIFEST_DIR");
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(format!("{root}/{path}")).unwrap();
            SourceFile::new(*path, text)
        })
        .collect()
}

fn corpus_files() -> Vec<SourceFile> {
    read_files(&[
        "samples/ingress-nginx-cloud.yaml",
        "samples/guestbook.yaml",
        "tests/fixtures/migrate/guestbook-ingresses.yaml",
    ])
}

/// The ingress-nginx sample as the app loads it: the controller, and the app behind
/// it, whose one Ingress names the storefront's backend port by name
/// (`port: {name: http}`) and the API's by number.
fn ingress_nginx_sample_files() -> Vec<SourceFile> {
    read_files(&[
        "samples/ingress-nginx-cloud.yaml",
        "samples/ingress-nginx-app.yaml",
    ])
}

/// The inputs of the equivalence check, each analysed on its own as it is loaded.
fn corpora() -> [(&'static str, Vec<SourceFile>); 2] {
    [
        ("guestbook", corpus_files()),
        ("ingress-nginx sample", ingress_nginx_sample_files()),
    ]
}

/// §9.5: the corpus routes the same before and after, at both edges of the canary's
/// 80/20 split: the ingress-nginx controller with the guestbook and Ingresses for it
/// using TLS, a canary, rewrite-target and force-ssl-redirect; and the ingress-nginx
/// sample (controller and app), whose Ingress names a backend port by name.
#[test]
fn corpus_routes_the_same_before_and_after_migration() {
    let indices = [0, 79, 80, 99];
    for (name, files) in corpora() {
        let problems = mismatches(&files, &indices);
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n\n"));
    }
}

/// §9.5: the generated Gateway is accepted and programmed and every HTTPRoute is
/// accepted with its references resolved, so nothing in the output is refused.
#[test]
fn generated_objects_are_accepted() {
    for (name, files) in corpora() {
        let before = analyze(&files, &Config::default());
        let migration = migrate::migrate(&before, Scope::All);
        let after = analyze(&after_files(&files, &migration), &Config::default());
        let kinds: Vec<&str> = migration.objects.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "Gateway").count(),
            1,
            "{name}"
        );
        assert_eq!(after.gateway.gateways.len(), 1, "{name}");
        assert!(after.gateway.gateways[0].programmed, "{name}");
        let gateway_problems: Vec<String> = after
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("gateway-"))
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(gateway_problems.is_empty(), "{name}: {gateway_problems:#?}");
    }
}

/// §9.5 and §9.1: the ingress-nginx sample's Ingress names the storefront's port by
/// name; a backendRef needs a number, so the migration writes the Service port that
/// name resolves to (80), without a diagnostic. Each host and path the Ingress
/// routes reaches the same Service before (through the controller) and after
/// (through the generated Gateway), delivered: the equivalence is not an agreement
/// on 404s.
#[test]
fn s9_5_the_ingress_nginx_sample_resolves_the_named_port_and_routes_the_same() {
    let files = ingress_nginx_sample_files();
    let config = Config::default();
    let before = analyze(&files, &config);
    let migration = migrate::migrate(&before, Scope::All);
    assert!(
        migration.diagnostics.is_empty(),
        "{:#?}",
        migration.diagnostics
    );
    let route = migration
        .objects
        .iter()
        .find(|o| {
            o.kind == "HTTPRoute" && o.key == NamespacedName::new("shop", "shop-shop-example-com")
        })
        .unwrap_or_else(|| {
            panic!(
                "no HTTPRoute shop/shop-shop-example-com:\n{}",
                migration.to_yaml()
            )
        });
    assert!(
        route.yaml.contains("name: storefront\n      port: 80\n"),
        "{}",
        route.yaml
    );
    assert!(
        route.yaml.contains("name: orders-api\n      port: 8080\n"),
        "{}",
        route.yaml
    );

    let after = analyze(&after_files(&files, &migration), &config);
    let gateway_ip = after.gateway.gateways[0].address_ips[0].to_string();
    let source = TraceSource::External {
        client_ip: "198.51.100.7".parse().unwrap(),
    };
    let url = |host: &str, path: &str| Destination::Url {
        scheme: Scheme::Http,
        host: host.to_string(),
        port: None,
        path: path.to_string(),
        query: None,
    };
    let options = HttpOptions {
        host: Some("shop.example.com".to_string()),
        ..HttpOptions::default()
    };
    for (path, service) in [
        ("/", "storefront"),
        ("/cart/7", "storefront"),
        ("/apix", "storefront"),
        ("/api", "orders-api"),
        ("/api/orders", "orders-api"),
    ] {
        let expected = Some(NamespacedName::new("shop", service));
        let traced_before = Tracer::new(&before).trace_http(
            &source,
            &url("shop.example.com", path),
            Protocol::Tcp,
            &HttpOptions::default(),
            &mut Constant(0),
        );
        let a = answer_before(&traced_before);
        assert_eq!(
            (a.verdict, a.service),
            (Verdict::Delivered, expected.clone()),
            "before, {path}: {}",
            traced_before.reason
        );
        let traced_after = Tracer::new(&after).trace_http(
            &source,
            &url(&gateway_ip, path),
            Protocol::Tcp,
            &options,
            &mut Constant(0),
        );
        let b = answer_after(&traced_after);
        assert_eq!(
            (b.verdict, b.service),
            (Verdict::Delivered, expected),
            "after, {path}: {}",
            traced_after.reason
        );
    }
}

/// §9.4: the canary takes its weight of the main Ingress's requests; a weight of 20
/// gives the canary choices 80 to 99 of 100.
#[test]
fn canary_weight_splits_the_main_ingress() {
    let files = corpus_files();
    let topology = analyze(&files, &Config::default());
    let tracer = Tracer::new(&topology);
    let source = TraceSource::External {
        client_ip: "198.51.100.7".parse().unwrap(),
    };
    let url = Destination::Url {
        scheme: Scheme::Https,
        host: "guestbook.example.com".to_string(),
        port: None,
        path: "/".to_string(),
        query: None,
    };
    let mut to_canary = Vec::new();
    for index in 0..100 {
        let trace = tracer.trace_http(
            &source,
            &url,
            Protocol::Tcp,
            &HttpOptions::default(),
            &mut Constant(index),
        );
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        let result = trace.ingress.unwrap();
        if result.canary {
            assert_eq!(result.backend_service.unwrap().name, "frontend-canary");
            to_canary.push(index);
        }
    }
    assert_eq!(to_canary, (80..100).collect::<Vec<_>>());
}

/// §9.4: plain HTTP to a host with TLS is redirected with 308 (ssl-redirect is on by
/// default); force-ssl-redirect redirects without TLS; HTTPS is not redirected.
#[test]
fn ssl_redirects_follow_tls_and_force_ssl_redirect() {
    let topology = analyze(&corpus_files(), &Config::default());
    let tracer = Tracer::new(&topology);
    let source = TraceSource::External {
        client_ip: "198.51.100.7".parse().unwrap(),
    };
    let go = |scheme: Scheme, host: &str, path: &str| {
        tracer.trace_http(
            &source,
            &Destination::Url {
                scheme,
                host: host.to_string(),
                port: None,
                path: path.to_string(),
                query: Some("q=1".to_string()),
            },
            Protocol::Tcp,
            &HttpOptions::default(),
            &mut Constant(0),
        )
    };
    let plain = go(Scheme::Http, "guestbook.example.com", "/api");
    assert_eq!(plain.verdict, Verdict::Redirected, "{}", plain.reason);
    assert_eq!(
        plain.ingress.unwrap().location.as_deref(),
        Some("https://guestbook.example.com/api?q=1")
    );
    let secure = go(Scheme::Https, "guestbook.example.com", "/api");
    assert_eq!(secure.verdict, Verdict::Delivered, "{}", secure.reason);
    let forced = go(Scheme::Http, "admin.example.com", "/admin/users");
    assert_eq!(forced.verdict, Verdict::Redirected, "{}", forced.reason);
    let no_tls = go(Scheme::Http, "old.example.com", "/guestbook");
    assert_eq!(no_tls.verdict, Verdict::Delivered, "{}", no_tls.reason);
    // rewrite-target without capture groups replaces the whole path.
    assert_eq!(no_tls.ingress.unwrap().request_path, "/index.php");
}

/// §9.5: every annotation that is not carried over gets a diagnostic at its own line
/// that says why; so do an ImplementationSpecific path and rules without a host that
/// stay off a host's HTTPS listener.
#[test]
fn annotations_that_cannot_be_expressed_are_diagnosed_at_their_line() {
    let topology = analyze(&corpus_files(), &Config::default());
    let migration = migrate::migrate(&topology, Scope::All);
    let found: Vec<(&str, &str, usize, usize)> = migration
        .diagnostics
        .iter()
        .map(|d| (d.code, d.field.as_str(), d.source.document, d.source.line))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "migrate-annotation-unsupported",
                "metadata.annotations.nginx.ingress.kubernetes.io/proxy-body-size",
                6,
                73
            ),
            ("migrate-hostless-rules-on-https", "spec.rules", 6, 79),
            (
                "migrate-path-type-implementation-specific",
                "spec.rules[0].http.paths[1].pathType",
                6,
                83
            ),
            (
                "migrate-annotation-unsupported",
                "metadata.annotations.nginx.ingress.kubernetes.io/rewrite-target",
                7,
                94
            ),
        ]
    );
    for diagnostic in &migration.diagnostics {
        assert!(diagnostic.source.file.ends_with("guestbook-ingresses.yaml"));
        assert!(diagnostic.object.starts_with("Ingress/default/"));
    }
    assert!(migration.diagnostics[3].message.contains("capture groups"));
}

/// §9.5: the same input gives the same bytes, and the app's one-Ingress scope gives
/// that Ingress's routes (its canary merged in) and its Gateway only.
#[test]
fn output_is_deterministic_and_scoped() {
    let topology = analyze(&corpus_files(), &Config::default());
    let all = migrate::migrate(&topology, Scope::All);
    assert_eq!(
        all.to_yaml(),
        migrate::migrate(&topology, Scope::All).to_yaml()
    );
    let key = NamespacedName::new("default", "guestbook");
    let one = migrate::migrate(&topology, Scope::One(&key));
    let names: Vec<String> = one
        .objects
        .iter()
        .map(|o| format!("{} {}", o.kind, o.key))
        .collect();
    assert_eq!(
        names,
        [
            "GatewayClass /nginx",
            "Gateway default/nginx",
            "HTTPRoute default/guestbook-guestbook-example-com",
            "HTTPRoute default/guestbook-guestbook-example-com-redirect",
        ]
    );
    assert!(one
        .to_yaml()
        .contains("name: frontend-canary\n      port: 8080\n      weight: 20"));
}

/// §9.5: `kubetopo migrate --out DIR` writes one file per object and reports the
/// diagnostics on standard error with file, document and line.
#[test]
fn cli_migrate_writes_files_and_diagnostics() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::env::temp_dir().join(format!("kubetopo-migrate-{}", std::process::id()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kubetopo"))
        .args([
            "migrate",
            &format!("{root}/samples/guestbook.yaml"),
            &format!("{root}/tests/fixtures/migrate/guestbook-ingresses.yaml"),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "guestbook-ingresses.yaml:73:50 (document 6) warning: [migrate-annotation-unsupported]"
        ),
        "{stderr}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(
        files.contains(&"gateway-default-nginx.yaml".to_string()),
        "{files:?}"
    );
    assert!(files.contains(&"httproute-default-legacy-all-hosts.yaml".to_string()));
    let _ = std::fs::remove_dir_all(&out);
}

/// §9.4 and §9.5: `ssl-redirect: "false"` turns off the redirect a TLS host gets by
/// default: plain HTTP to that host is delivered, not answered 308, and the
/// migration writes no `-redirect` HTTPRoute, attaching the host's routes to the
/// `http` listener too. `"true"`, written out, is the default, and
/// `force-ssl-redirect: "true"` redirects whatever `ssl-redirect` says. Each
/// routes the same before and after migration.
#[test]
fn s9_4_ssl_redirect_false_keeps_plain_http_for_a_tls_host() {
    let ingress = |annotations: &str| {
        format!("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: main\n  annotations:\n{annotations}spec:\n  ingressClassName: nginx\n  tls:\n  - hosts: [a.example.com]\n    secretName: cert\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - {{path: /, pathType: Prefix, backend: {{service: {{name: one, port: {{number: 80}}}}}}}}\n")
    };
    let cases = [
        ("    nginx.ingress.kubernetes.io/ssl-redirect: \"false\"\n", false),
        ("    nginx.ingress.kubernetes.io/ssl-redirect: \"true\"\n", true),
        ("    nginx.ingress.kubernetes.io/ssl-redirect: \"false\"\n    nginx.ingress.kubernetes.io/force-ssl-redirect: \"true\"\n", true),
    ];
    let source = TraceSource::External {
        client_ip: "198.51.100.7".parse().unwrap(),
    };
    for (annotations, redirects) in cases {
        let files = vec![
            SourceFile::new("services.yaml", SERVICES),
            SourceFile::new("ingress.yaml", ingress(annotations)),
        ];
        let topology = analyze(&files, &Config::default());
        let plain = Tracer::new(&topology).trace_http(
            &source,
            &Destination::Url {
                scheme: Scheme::Http,
                host: "a.example.com".to_string(),
                port: None,
                path: "/x".to_string(),
                query: None,
            },
            Protocol::Tcp,
            &HttpOptions::default(),
            &mut Constant(0),
        );
        let answer = answer_before(&plain);
        if redirects {
            assert_eq!(
                answer.verdict,
                Verdict::Redirected,
                "{annotations}{}",
                plain.reason
            );
            assert_eq!(answer.location.as_deref(), Some("https://a.example.com/x"));
        } else {
            assert_eq!(
                (answer.verdict, answer.service),
                (
                    Verdict::Delivered,
                    Some(NamespacedName::new("default", "one"))
                ),
                "{annotations}{}",
                plain.reason
            );
        }
        let migration = migrate::migrate(&topology, Scope::All);
        let routes: Vec<&str> = migration
            .objects
            .iter()
            .filter(|o| o.kind == "HTTPRoute")
            .map(|o| o.key.name.as_str())
            .collect();
        let expected: &[&str] = if redirects {
            &["main-a-example-com", "main-a-example-com-redirect"]
        } else {
            &["main-a-example-com"]
        };
        assert_eq!(routes, expected, "{annotations}");
        let problems = mismatches(&files, &[0]);
        assert!(
            problems.is_empty(),
            "{annotations}{}",
            problems.join("\n\n")
        );
    }
}

// ---------------------------------------------------------------------------
// Generated Ingresses

const SERVICES: &str = r#"apiVersion: v1
kind: Service
metadata: {name: one}
spec:
  selector: {app: one}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: two}
spec:
  selector: {app: two}
  ports: [{name: http, port: 81, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: three}
spec:
  selector: {app: three}
  ports: [{name: web, port: 82, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: one}
spec:
  replicas: 1
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: one}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: two}
spec:
  replicas: 1
  selector: {matchLabels: {app: two}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: three}
spec:
  replicas: 1
  selector: {matchLabels: {app: three}}
  template:
    metadata: {labels: {app: three}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Secret
metadata: {name: cert}
type: kubernetes.io/tls
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
"#;

#[derive(Clone, Debug)]
struct GenPath {
    host: Option<&'static str>,
    path: &'static str,
    path_type: &'static str,
    service: usize,
}

#[derive(Clone, Debug)]
struct GenIngress {
    paths: Vec<GenPath>,
    default_backend: Option<usize>,
    tls: bool,
    rewrite: Option<&'static str>,
    force_ssl_redirect: bool,
    /// An explicit `ssl-redirect` annotation (on by default).
    ssl_redirect: Option<bool>,
    canary: Option<(usize, i64, usize)>,
}

const HOSTS: [Option<&str>; 4] = [
    Some("a.example.com"),
    Some("b.example.com"),
    Some("*.example.org"),
    None,
];
const PATHS: [&str; 5] = ["/", "/a", "/a/b", "/ab", "/b/"];
const PATH_TYPES: [&str; 3] = ["Prefix", "Exact", "ImplementationSpecific"];
const BACKENDS: [(&str, &str); 3] = [
    ("one", "number: 80"),
    ("two", "name: http"),
    ("three", "number: 82"),
];

fn gen_path() -> impl Strategy<Value = GenPath> {
    (
        0..HOSTS.len(),
        0..PATHS.len(),
        0..PATH_TYPES.len(),
        0..3usize,
    )
        .prop_map(|(host, path, path_type, service)| GenPath {
            host: HOSTS[host],
            path: PATHS[path],
            path_type: PATH_TYPES[path_type],
            service,
        })
}

fn gen_ingress() -> impl Strategy<Value = GenIngress> {
    (
        prop::collection::vec(gen_path(), 1..6),
        prop::option::of(0..3usize),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["/", "/new"])),
        prop::bool::weighted(0.2),
        prop::option::of(any::<bool>()),
        prop::option::of((0..6usize, 0..=120i64, 0..3usize)),
    )
        .prop_map(
            |(paths, default_backend, tls, rewrite, force_ssl_redirect, ssl_redirect, canary)| {
                GenIngress {
                    paths,
                    default_backend,
                    tls,
                    rewrite,
                    force_ssl_redirect,
                    ssl_redirect,
                    canary,
                }
            },
        )
}

fn backend(service: usize) -> String {
    let (name, port) = BACKENDS[service];
    format!("{{service: {{name: {name}, port: {{{port}}}}}}}")
}

fn ingress_yaml(ingress: &GenIngress) -> String {
    let mut text = String::from("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: main\n  annotations:\n");
    if let Some(target) = ingress.rewrite {
        text.push_str(&format!(
            "    nginx.ingress.kubernetes.io/rewrite-target: {target}\n"
        ));
    }
    if ingress.force_ssl_redirect {
        text.push_str("    nginx.ingress.kubernetes.io/force-ssl-redirect: \"true\"\n");
    }
    if let Some(on) = ingress.ssl_redirect {
        text.push_str(&format!(
            "    nginx.ingress.kubernetes.io/ssl-redirect: \"{on}\"\n"
        ));
    }
    text.push_str("spec:\n  ingressClassName: nginx\n");
    if let Some(service) = ingress.default_backend {
        text.push_str(&format!("  defaultBackend: {}\n", backend(service)));
    }
    if ingress.tls {
        text.push_str("  tls:\n  - hosts: [a.example.com]\n    secretName: cert\n");
    }
    text.push_str("  rules:\n");
    for path in &ingress.paths {
        match path.host {
            Some(host) => text.push_str(&format!("  - host: \"{host}\"\n    http:\n")),
            None => text.push_str("  - http:\n"),
        }
        text.push_str(&format!(
            "      paths:\n      - {{path: {}, pathType: {}, backend: {}}}\n",
            path.path,
            path.path_type,
            backend(path.service)
        ));
    }
    if let Some((index, weight, service)) = ingress.canary {
        let target = &ingress.paths[index % ingress.paths.len()];
        text.push_str(&format!("---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: main-canary\n  annotations:\n    nginx.ingress.kubernetes.io/canary: \"true\"\n    nginx.ingress.kubernetes.io/canary-weight: \"{weight}\"\nspec:\n  ingressClassName: nginx\n  rules:\n"));
        match target.host {
            Some(host) => text.push_str(&format!("  - host: \"{host}\"\n    http:\n")),
            None => text.push_str("  - http:\n"),
        }
        text.push_str(&format!(
            "      paths:\n      - {{path: {}, pathType: {}, backend: {}}}\n",
            target.path,
            target.path_type,
            backend(service)
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// §9.5: generated Ingresses (hosts exact, wildcard and absent; Prefix, Exact and
    /// ImplementationSpecific paths; default backends; TLS; rewrite-target;
    /// force-ssl-redirect; ssl-redirect written out as "true" or "false"; a weighted
    /// canary) route the same before and after
    /// migration, at the edges of the canary split.
    #[test]
    fn generated_ingresses_route_the_same_before_and_after(ingress in gen_ingress()) {
        let files = vec![
            SourceFile::new("services.yaml", SERVICES),
            SourceFile::new("ingress.yaml", ingress_yaml(&ingress)),
        ];
        let weight = ingress.canary.map_or(0, |(_, w, _)| w.clamp(0, 100) as usize);
        let indices = [0, (100 - weight).saturating_sub(1), 100 - weight, 99];
        let problems = mismatches(&files, &indices);
        prop_assert!(problems.is_empty(), "{}\n{}", ingress_yaml(&ingress), problems.join("\n\n"));
    }
}
