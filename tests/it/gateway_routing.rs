//! Requests through a Gateway (§11.3, §11.5 to §11.10): the listener, precedence,
//! filters, weights and backends, with the vectors of upstream's conformance tests.

use std::collections::BTreeMap;

use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::model::PathModifier;
use kubetopo::engine::gateway::routing::modify_path;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::trace::{
    parse_destination, HopAction, HttpOptions, SeededChooser, Trace, TraceSource, Tracer, Verdict,
};
use kubetopo::engine::{analyze, Topology};

const NS: &str = "gateway-conformance-infra";

/// Request or backend headers, `(name, value)`.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// The conformance base: namespace, class, and Services infra-backend-v1..v3 on port
/// 8080 → 3000 with two pods each.
fn base() -> String {
    let mut yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NS}}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: c}}\nspec: {{controllerName: example.net/gw}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: cert, namespace: {NS}}}\n---\n");
    for backend in ["v1", "v2", "v3"] {
        yaml.push_str(&format!("apiVersion: v1\nkind: Service\nmetadata: {{name: infra-backend-{backend}, namespace: {NS}}}\nspec:\n  selector: {{app: infra-backend-{backend}}}\n  ports: [{{port: 8080, targetPort: 3000}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: infra-backend-{backend}, namespace: {NS}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: infra-backend-{backend}}}}}\n  template:\n    metadata: {{labels: {{app: infra-backend-{backend}}}}}\n    spec: {{containers: [{{name: c, image: echo, ports: [{{containerPort: 3000}}]}}]}}\n---\n"));
    }
    yaml
}

fn gateway(name: &str, listeners: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: {NS}}}\nspec:\n  gatewayClassName: c\n  listeners:\n{listeners}---\n")
}

const HTTPS_LISTENERS: &str = "  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-hostname, port: 443, protocol: HTTPS, hostname: second-example.org, tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-wildcard-hostname, port: 443, protocol: HTTPS, hostname: \"*.wildcard.org\", tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-hostname-matching-wildcard, port: 443, protocol: HTTPS, hostname: fourth-example.wildcard.org, tls: {certificateRefs: [{name: cert}]}}
";

fn http_route(name: &str, spec: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: {NS}}}\nspec:\n{spec}---\n")
}

fn run(yaml: &str) -> Topology {
    let topology = analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default());
    assert!(
        !topology
            .diagnostics
            .iter()
            .any(|d| d.code == "gateway-invalid-spec"),
        "{:?}",
        topology.diagnostics
    );
    topology
}

/// One request from an external client.
struct Request<'a> {
    url: &'a str,
    host: Option<&'a str>,
    sni: Option<&'a str>,
    method: &'a str,
    headers: &'a [(&'a str, &'a str)],
    seed: u64,
}

impl<'a> Request<'a> {
    fn get(url: &'a str) -> Request<'a> {
        Request {
            url,
            host: None,
            sni: None,
            method: "GET",
            headers: &[],
            seed: 0,
        }
    }
}

fn send(topology: &Topology, request: &Request) -> Trace {
    let destination = parse_destination(request.url).expect("a URL");
    let options = HttpOptions {
        method: request.method.to_string(),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        host: request.host.map(str::to_string),
        sni: request.sni.map(str::to_string),
    };
    Tracer::new(topology).trace_http(
        &TraceSource::External {
            client_ip: "198.51.100.7".parse().unwrap(),
        },
        &destination,
        Protocol::Tcp,
        &options,
        &mut SeededChooser::new(request.seed),
    )
}

/// What the client gets: the backend Service's name, or the status.
fn outcome(trace: &Trace) -> String {
    let http = trace
        .http
        .as_ref()
        .unwrap_or_else(|| panic!("no http result: {}", trace.reason));
    match (trace.verdict, &http.backend_service) {
        (Verdict::Delivered, Some(service)) => service
            .name
            .trim_start_matches("infra-backend-")
            .to_string(),
        _ => http.status.map_or("refused".to_string(), |s| s.to_string()),
    }
}

fn address(topology: &Topology, name: &str) -> String {
    topology
        .gateway
        .gateways
        .iter()
        .find(|g| g.name == name)
        .unwrap()
        .addresses[0]
        .value
        .clone()
}

/// §11.3 and upstream's HTTPS listener test: the listener is chosen by SNI, and a
/// Route without hostnames on a hostname listener serves that hostname.
#[test]
fn https_listener_hostnames() {
    let yaml = format!(
        "{}{}{}{}",
        base(),
        gateway("same-namespace-with-https-listener", HTTPS_LISTENERS),
        http_route("route-a", "  parentRefs: [{name: same-namespace-with-https-listener}]\n  hostnames: [example.org]\n  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]\n"),
        http_route("route-b", "  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-hostname}]\n  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]\n"),
    );
    let topology = run(&yaml);
    let ip = address(&topology, "same-namespace-with-https-listener");
    let url = format!("https://{ip}/");
    for (name, expected) in [
        ("example.org", "v1"),
        ("unknown-example.org", "404"),
        ("second-example.org", "v2"),
    ] {
        let trace = send(
            &topology,
            &Request {
                sni: Some(name),
                host: Some(name),
                ..Request::get(&url)
            },
        );
        assert_eq!(outcome(&trace), expected, "{name}: {}", trace.reason);
    }
}

/// §11.3, upstream's misdirected-requests test: SNI chooses the listener, and a Host
/// claimed by another listener is answered 421.
#[test]
fn https_misdirected_requests() {
    let route = |name: &str, section: &str, hostnames: &str, backend: &str| {
        http_route(name, &format!("  parentRefs: [{{name: gw, sectionName: {section}}}]\n{hostnames}  rules:\n  - matches: [{{path: {{type: PathPrefix, value: /detect-misdirected-requests}}}}]\n    backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]\n"))
    };
    let yaml = format!(
        "{}{}{}{}{}{}",
        base(),
        gateway("gw", HTTPS_LISTENERS),
        route("a", "https", "  hostnames: [example.org]\n", "v1"),
        route("b", "https-with-hostname", "", "v2"),
        route("c", "https-with-wildcard-hostname", "", "v3"),
        route("d", "https-with-hostname-matching-wildcard", "", "v1"),
    );
    let topology = run(&yaml);
    let url = format!(
        "https://{}/detect-misdirected-requests",
        address(&topology, "gw")
    );
    let table: &[(&str, &str, &str)] = &[
        ("example.org", "example.org", "v1"),
        ("example.org", "second-example.org", "421"),
        ("example.org", "unknown-example.org", "404"),
        ("second-example.org", "second-example.org", "v2"),
        ("second-example.org", "example.org", "421"),
        ("second-example.org", "unknown-example.org", "421"),
        (
            "third-example.wildcard.org",
            "third-example.wildcard.org",
            "v3",
        ),
        (
            "third-example.wildcard.org",
            "fith-example.wildcard.org",
            "v3",
        ),
        (
            "third-example.wildcard.org",
            "fourth-example.wildcard.org",
            "421",
        ),
        ("third-example.wildcard.org", "second-example.org", "421"),
        (
            "fourth-example.wildcard.org",
            "fourth-example.wildcard.org",
            "v1",
        ),
        (
            "fourth-example.wildcard.org",
            "fith-example.wildcard.org",
            "421",
        ),
        ("unknown-example.org", "example.org", "v1"),
        ("unknown-example.org", "unknown-example.org", "404"),
    ];
    for (sni, host, expected) in table {
        let trace = send(
            &topology,
            &Request {
                sni: Some(sni),
                host: Some(host),
                ..Request::get(&url)
            },
        );
        assert_eq!(
            outcome(&trace),
            *expected,
            "SNI {sni}, Host {host}: {}",
            trace.reason
        );
    }
}

/// §11.8, upstream's redirect tests: status, scheme, hostname and port.
#[test]
fn request_redirects() {
    let listeners = "  - {name: http, port: 80, protocol: HTTP}\n  - {name: http-8080, port: 8080, protocol: HTTP}\n  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}\n";
    let table: &[(&str, &str, &str, &str)] = &[
        ("http", "", "302", "http://example.org/x"),
        ("http", "statusCode: 301, ", "301", "http://example.org/x"),
        ("http", "port: 8080, ", "302", "http://example.org:8080/x"),
        ("http", "scheme: https, ", "302", "https://example.org/x"),
        (
            "http",
            "scheme: https, port: 8443, ",
            "302",
            "https://example.org:8443/x",
        ),
        ("http-8080", "", "302", "http://example.org:8080/x"),
        ("http-8080", "port: 80, ", "302", "http://example.org/x"),
        (
            "http-8080",
            "scheme: https, ",
            "302",
            "https://example.org/x",
        ),
        ("https", "", "302", "https://example.org/x"),
        ("https", "scheme: http, ", "302", "http://example.org/x"),
        ("https", "port: 8443, ", "302", "https://example.org:8443/x"),
    ];
    for (section, filter, status, location) in table {
        let yaml = format!(
            "{}{}{}",
            base(),
            gateway("gw", listeners),
            http_route("redirect", &format!("  parentRefs: [{{name: gw, sectionName: {section}}}]\n  rules:\n  - filters: [{{type: RequestRedirect, requestRedirect: {{{filter}hostname: example.org}}}}]\n")),
        );
        let topology = run(&yaml);
        let ip = address(&topology, "gw");
        let url = match *section {
            "http" => format!("http://{ip}/x"),
            "http-8080" => format!("http://{ip}:8080/x"),
            _ => format!("https://{ip}/x"),
        };
        let trace = send(&topology, &Request::get(&url));
        assert_eq!(
            trace.verdict,
            Verdict::Redirected,
            "{section} {filter}: {}",
            trace.reason
        );
        let http = trace.http.as_ref().unwrap();
        assert_eq!(
            http.status.unwrap().to_string(),
            *status,
            "{section} {filter}"
        );
        assert_eq!(
            http.location.as_deref(),
            Some(*location),
            "{section} {filter}"
        );
        assert!(trace
            .hops
            .iter()
            .any(|h| h.action == HopAction::GatewayFilter));
        assert!(trace.endpoint.is_none());
    }
}

/// §11.8, upstream's request-header-modifier test.
#[test]
fn request_header_modifier() {
    let yaml = format!(
        "{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        http_route("headers", "  parentRefs: [{name: gw}]\n  rules:\n  - filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n        set: [{name: X-Header-Set, value: set-overwrites-values}]\n        add: [{name: X-Header-Add, value: add-appends-values}]\n        remove: [X-Header-Remove]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n"),
    );
    let topology = run(&yaml);
    let url = format!("http://{}/", address(&topology, "gw"));
    let cases: &[(Headers, Headers)] = &[
        (
            &[("Some-Other-Header", "val")],
            &[
                ("Some-Other-Header", "val"),
                ("X-Header-Add", "add-appends-values"),
                ("X-Header-Set", "set-overwrites-values"),
            ],
        ),
        (
            &[("X-Header-Set", "some-other-value")],
            &[
                ("X-Header-Add", "add-appends-values"),
                ("X-Header-Set", "set-overwrites-values"),
            ],
        ),
        (
            &[("x-header-add", "foo"), ("X-Header-Remove", "gone")],
            &[
                ("X-Header-Set", "set-overwrites-values"),
                ("x-header-add", "foo,add-appends-values"),
            ],
        ),
    ];
    for (sent, seen) in cases {
        let trace = send(
            &topology,
            &Request {
                headers: sent,
                ..Request::get(&url)
            },
        );
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        let expected: BTreeMap<String, String> = seen
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            trace.http.as_ref().unwrap().request_headers,
            expected,
            "{sent:?}"
        );
    }
}

/// §11.8: ReplacePrefixMatch, element-wise, with upstream's table; and URLRewrite end to end.
#[test]
fn url_rewrites() {
    let table = [
        ("/foo/bar", "/foo", "/xyz", "/xyz/bar"),
        ("/foo/bar", "/foo", "/xyz/", "/xyz/bar"),
        ("/foo/bar", "/foo", "", "/bar"),
        ("/foo/", "/foo", "/xyz", "/xyz/"),
        ("/foo", "/foo", "/", "/"),
        ("/foo", "/foo/", "/xyz", "/xyz"),
    ];
    for (path, prefix, replacement, expected) in table {
        assert_eq!(
            modify_path(
                path,
                &PathModifier::ReplacePrefixMatch(replacement.into()),
                Some(prefix)
            ),
            expected,
            "{path} {prefix} {replacement}"
        );
    }
    assert_eq!(
        modify_path("/a/b", &PathModifier::ReplaceFullPath("/c".into()), None),
        "/c"
    );

    let yaml = format!(
        "{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        http_route("rewrite", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /api}}]\n    filters: [{type: URLRewrite, urlRewrite: {hostname: backend.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n"),
    );
    let topology = run(&yaml);
    let trace = send(
        &topology,
        &Request::get(&format!(
            "http://{}/api/items?x=1",
            address(&topology, "gw")
        )),
    );
    assert_eq!(outcome(&trace), "v2", "{}", trace.reason);
    assert_eq!(trace.http.as_ref().unwrap().request_path, "/v2/items");
}

/// §11.6: the precedence keys, with the worked examples.
#[test]
fn precedence() {
    let routes = format!(
        "{}{}{}{}",
        http_route("canary", "  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{headers: [{name: x-canary, value: \"1\"}]}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n  - matches: [{path: {type: PathPrefix, value: /api}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{method: PATCH}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n"),
        http_route("exact", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: Exact, value: /api/x}}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n  - matches: [{path: {type: RegularExpression, value: \"/api/[0-9]+\"}}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n"),
        http_route("specific", "  parentRefs: [{name: gw}]\n  hostnames: [a.example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /only}}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n"),
        http_route("query", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /q}, queryParams: [{name: v, value: \"2\"}]}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n  - matches: [{path: {type: PathPrefix, value: /q}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n"),
    );
    let topology = run(&format!(
        "{}{}{routes}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let ip = address(&topology, "gw");
    // (path, method, headers, Host, expected backend)
    let cases: &[(&str, &str, Headers, Option<&str>, &str)] = &[
        // PathPrefix / against a header match whose path defaults to /: the header wins (key 4).
        ("/", "GET", &[("x-canary", "1")], None, "v2"),
        ("/", "GET", &[], None, "v1"),
        // PathPrefix /api against method PATCH: the longer prefix wins (key 2 before key 3).
        ("/api/y", "PATCH", &[], None, "v1"),
        ("/other", "PATCH", &[], None, "v3"),
        // Exact beats RegularExpression beats PathPrefix.
        ("/api/x", "GET", &[], None, "v3"),
        ("/api/42", "GET", &[], None, "v2"),
        // A more specific hostname wins only where it has a matching rule.
        ("/only", "GET", &[], Some("a.example.com"), "v3"),
        ("/api/y", "GET", &[], Some("a.example.com"), "v1"),
        // Query parameters: more matches win; the first value of a repeated one counts.
        ("/q?v=2", "GET", &[], None, "v2"),
        ("/q?v=1&v=2", "GET", &[], None, "v1"),
    ];
    for (path, method, headers, host, expected) in cases {
        let url = format!("http://{ip}{path}");
        let trace = send(
            &topology,
            &Request {
                method,
                headers,
                host: *host,
                ..Request::get(&url)
            },
        );
        assert_eq!(
            outcome(&trace),
            *expected,
            "{method} {path} {headers:?} {host:?}: {}",
            trace.reason
        );
    }
}

/// §11.5 and §11.13: a regular expression on the path, a header or a query
/// parameter must match the whole value, in RE2 syntax; a pattern that does not
/// compile never matches, even one that would compile inside `^(?:…)$`.
#[test]
fn regular_expression_matches() {
    let route = http_route("regex", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: RegularExpression, value: '/users/\\d+'}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{headers: [{type: RegularExpression, name: authorization, value: '(?i)bearer [a-z0-9._-]+'}]}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n  - matches: [{queryParams: [{type: RegularExpression, name: v, value: '[0-9]{2}'}]}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n  - matches: [{path: {type: RegularExpression, value: '/old)|(/legacy'}}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n");
    let topology = run(&format!(
        "{}{}{route}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let ip = address(&topology, "gw");
    // (path, headers, expected backend)
    let cases: &[(&str, Headers, &str)] = &[
        ("/users/42", &[], "v1"),
        ("/users/42/posts", &[], "404"),
        ("/users/x", &[], "404"),
        ("/x", &[("Authorization", "BEARER abc.DEF")], "v2"),
        ("/x", &[("Authorization", "Basic abc")], "404"),
        ("/x?v=42", &[], "v3"),
        ("/x?v=420", &[], "404"),
        ("/old", &[], "404"),
        ("/old/page", &[], "404"),
    ];
    for (path, headers, expected) in cases {
        let url = format!("http://{ip}{path}");
        let trace = send(
            &topology,
            &Request {
                headers,
                ..Request::get(&url)
            },
        );
        assert_eq!(
            outcome(&trace),
            *expected,
            "{path} {headers:?}: {}",
            trace.reason
        );
    }
}

/// §11.6: equal matches tie-break on age, then namespace/name.
#[test]
fn oldest_route_wins_a_tie() {
    let route = |name: &str, stamp: &str, backend: &str| {
        let spec = format!("  parentRefs: [{{name: gw}}]\n  rules:\n  - matches: [{{path: {{value: /same}}}}]\n    backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]\n");
        http_route(name, &spec).replace(
            &format!("{{name: {name}, "),
            &format!("{{name: {name}, {stamp}"),
        )
    };
    let stamped = run(&format!(
        "{}{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        route("a", "creationTimestamp: \"2026-03-01T00:00:00Z\", ", "v1"),
        route("b", "creationTimestamp: \"2026-01-01T00:00:00Z\", ", "v2")
    ));
    let url = format!("http://{}/same", address(&stamped, "gw"));
    assert_eq!(outcome(&send(&stamped, &Request::get(&url))), "v2");
    let unstamped = run(&format!(
        "{}{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        route("a", "", "v1"),
        route("b", "", "v2")
    ));
    let url = format!("http://{}/same", address(&unstamped, "gw"));
    assert_eq!(outcome(&send(&unstamped, &Request::get(&url))), "v1");
}

/// §11.7: the weighted split over seeds, weight 0 never answers, all-zero is 500,
/// an invalid backend's share is 500, and no ready endpoint is 503.
#[test]
fn weights_and_backend_failures() {
    let topology = kubetopo_sample();
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for seed in 0..1000 {
        let trace = send(
            &topology,
            &Request {
                seed,
                ..Request::get("http://shop.example.com/cart")
            },
        );
        *counts
            .entry(trace.http.unwrap().backend_service.unwrap().name)
            .or_default() += 1;
    }
    let canary = counts["cart-canary"];
    assert!(
        (50..=150).contains(&canary),
        "90/10 split within ±5 %: {counts:?}"
    );
    assert_eq!(counts["cart"] + canary, 1000);

    let route = |backends: &str| {
        run(&format!(
            "{}{}{}",
            base(),
            gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
            http_route(
                "r",
                &format!("  parentRefs: [{{name: gw}}]\n  rules:\n  - backendRefs: {backends}\n")
            )
        ))
    };
    let zero = route(
        "[{name: infra-backend-v1, port: 8080, weight: 0}, {name: infra-backend-v2, port: 8080}]",
    );
    let url = format!("http://{}/", address(&zero, "gw"));
    for seed in 0..50 {
        assert_eq!(
            outcome(&send(
                &zero,
                &Request {
                    seed,
                    ..Request::get(&url)
                }
            )),
            "v2"
        );
    }
    let all_zero = route("[{name: infra-backend-v1, port: 8080, weight: 0}]");
    let trace = send(
        &all_zero,
        &Request::get(&format!("http://{}/", address(&all_zero, "gw"))),
    );
    assert_eq!(
        (trace.verdict, outcome(&trace).as_str()),
        (Verdict::Rejected, "500")
    );
    assert!(all_zero
        .diagnostics
        .iter()
        .any(|d| d.code == "gateway-rule-no-backends"));

    let invalid = route("[{name: missing, port: 8080}]");
    let trace = send(
        &invalid,
        &Request::get(&format!("http://{}/", address(&invalid, "gw"))),
    );
    assert_eq!(
        (trace.verdict, outcome(&trace).as_str()),
        (Verdict::Rejected, "500")
    );

    let empty = run(&format!("{}{}{}apiVersion: v1\nkind: Service\nmetadata: {{name: idle, namespace: {NS}}}\nspec:\n  selector: {{app: nothing}}\n  ports: [{{port: 80}}]\n", base(), gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"), http_route("r", "  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: idle, port: 80}]\n")));
    let trace = send(
        &empty,
        &Request::get(&format!("http://{}/", address(&empty, "gw"))),
    );
    assert_eq!(
        (trace.verdict, outcome(&trace).as_str()),
        (Verdict::Rejected, "503")
    );
    assert!(empty
        .diagnostics
        .iter()
        .any(|d| d.code == "gateway-backend-no-endpoints"));
}

fn kubetopo_sample() -> Topology {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/gateway-canary.yaml"
    ))
    .unwrap();
    analyze(
        &[SourceFile::new("gateway-canary.yaml", text)],
        &Config::default(),
    )
}

/// §11.7, upstream's service-types test: the proxy goes to endpoints, so a headless
/// Service and a Service with hand-written EndpointSlices work.
#[test]
fn the_proxy_goes_straight_to_endpoints() {
    let services = format!("apiVersion: v1\nkind: Service\nmetadata: {{name: headless, namespace: {NS}}}\nspec:\n  clusterIP: None\n  selector: {{app: infra-backend-v1}}\n  ports: [{{port: 8080, targetPort: 3000}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: manual, namespace: {NS}}}\nspec:\n  ports: [{{name: first-port, port: 8080, targetPort: 3000}}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: manual-1, namespace: {NS}, labels: {{kubernetes.io/service-name: manual}}}}\naddressType: IPv4\nports: [{{name: first-port, port: 3000, protocol: TCP}}]\nendpoints:\n- addresses: [10.244.9.9]\n  conditions: {{ready: true}}\n---\n");
    let routes = http_route("r", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {value: /headless}}]\n    backendRefs: [{name: headless, port: 8080}]\n  - matches: [{path: {value: /manual}}]\n    backendRefs: [{name: manual, port: 8080}]\n");
    let topology = run(&format!(
        "{}{}{services}{routes}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let ip = address(&topology, "gw");
    let headless = send(&topology, &Request::get(&format!("http://{ip}/headless")));
    assert_eq!(headless.verdict, Verdict::Delivered, "{}", headless.reason);
    assert_eq!(headless.endpoint.as_ref().unwrap().port, 3000);
    let manual = send(&topology, &Request::get(&format!("http://{ip}/manual")));
    assert_eq!(manual.verdict, Verdict::Delivered, "{}", manual.reason);
    let endpoint = manual.endpoint.as_ref().unwrap();
    assert_eq!(
        (endpoint.ip.to_string(), endpoint.port),
        ("10.244.9.9".to_string(), 3000)
    );
    // The proxy's leg has no DNAT: it connects to the endpoint itself.
    let proxy = headless
        .hops
        .iter()
        .position(|h| h.action == HopAction::Proxy)
        .unwrap();
    assert!(headless.hops[proxy..]
        .iter()
        .all(|h| h.action != HopAction::Dnat && h.action != HopAction::Snat));
}

/// §11.9: gRPC calls through a GRPCRoute, and UNIMPLEMENTED when none matches.
#[test]
fn grpc_calls() {
    let route = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: echo, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [grpc.example.com]\n  rules:\n  - matches: [{{method: {{service: pkg.Echo}}}}]\n    backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n  - matches: [{{method: {{service: pkg.Echo, method: Stream}}}}]\n    backendRefs: [{{name: infra-backend-v2, port: 8080}}]\n---\n");
    let topology = run(&format!(
        "{}{}{route}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let call = |path: &str| {
        send(
            &topology,
            &Request::get(&format!("grpc://grpc.example.com{path}")),
        )
    };
    assert_eq!(outcome(&call("/pkg.Echo/Say")), "v1");
    assert_eq!(outcome(&call("/pkg.Echo/Stream")), "v2");
    let missing = call("/pkg.Other/Say");
    assert_eq!(missing.verdict, Verdict::Unresolved);
    assert_eq!(
        missing.http.as_ref().unwrap().grpc_status,
        Some("UNIMPLEMENTED")
    );
    assert_eq!(call("/pkg.Echo/Say").http.unwrap().grpc_status, Some("OK"));
}

/// §11.9: TLS passthrough routes on SNI; an unserved SNI is refused.
#[test]
fn tls_passthrough() {
    let routes = format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {{name: a, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [a.example.com]\n  rules: [{{backendRefs: [{{name: infra-backend-v1, port: 8080}}]}}]\n---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {{name: b, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [\"*.com\"]\n  rules: [{{backendRefs: [{{name: infra-backend-v2, port: 8080}}]}}]\n---\n");
    let topology = run(&format!("{}{}{routes}", base(), gateway("gw", "  - {name: tls, port: 443, protocol: TLS, hostname: \"*.example.com\", tls: {mode: Passthrough}}\n")));
    let url = format!("https://{}/", address(&topology, "gw"));
    for (sni, expected) in [
        ("a.example.com", "v1"),
        ("b.example.com", "v2"),
        ("x.org", "404"),
    ] {
        let trace = send(
            &topology,
            &Request {
                sni: Some(sni),
                ..Request::get(&url)
            },
        );
        if expected == "404" {
            // No listener claims x.org at all: listener isolation answers it.
            assert_ne!(trace.verdict, Verdict::Delivered, "{sni}");
        } else {
            assert_eq!(outcome(&trace), expected, "{sni}: {}", trace.reason);
        }
    }
}

/// §11.10: the hops and the `http` object of a delivered request, and the CLI flags.
#[test]
fn trace_hops_and_json() {
    let topology = kubetopo_sample();
    let trace = send(
        &topology,
        &Request {
            seed: 3,
            ..Request::get("http://shop.example.com/pay/now")
        },
    );
    let actions: Vec<HopAction> = trace.hops.iter().map(|h| h.action).collect();
    for action in [
        HopAction::Dns,
        HopAction::LoadBalancer,
        HopAction::GatewayListener,
        HopAction::GatewayRoute,
        HopAction::GatewayBackend,
        HopAction::Proxy,
        HopAction::Deliver,
    ] {
        assert!(actions.contains(&action), "{action:?} in {actions:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::trace::to_json(&trace)).unwrap();
    assert_eq!(json["schemaVersion"], 2);
    assert_eq!(json["http"]["status"], 200);
    assert_eq!(json["http"]["route"], "HTTPRoute/shop/storefront");
    assert_eq!(json["http"]["rule"], 1);
    assert_eq!(json["http"]["backendService"], "payments/payments");
    assert_eq!(json["http"]["listener"], "http");

    let redirected = send(&topology, &Request::get("http://shop.example.com/basket/7"));
    assert_eq!(redirected.verdict, Verdict::Redirected);
    assert_eq!(
        redirected.http.unwrap().location.as_deref(),
        Some("http://shop.example.com/cart/7")
    );

    // A host no Gateway claims still goes through Ingress rules (none here): no `http`.
    let elsewhere = send(&topology, &Request::get("http://nowhere.example.net/"));
    assert_eq!(elsewhere.verdict, Verdict::Unresolved);
    assert!(elsewhere.http.is_none());
}

/// §11.8: a mirror copies the request and never changes the answer; an invalid
/// mirror target is dropped and reported in ResolvedRefs.
#[test]
fn request_mirror() {
    let mirror = |target: &str| {
        run(&format!(
            "{}{}{}",
            base(),
            gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
            http_route("mirror", &format!("  parentRefs: [{{name: gw}}]\n  rules:\n  - filters: [{{type: RequestMirror, requestMirror: {{backendRef: {{name: {target}, port: 8080}}}}}}]\n    backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n")),
        ))
    };
    for (target, copied, resolved_refs) in [
        ("infra-backend-v2", true, "ResolvedRefs"),
        ("missing", false, "BackendNotFound"),
    ] {
        let topology = mirror(target);
        let trace = send(
            &topology,
            &Request::get(&format!("http://{}/", address(&topology, "gw"))),
        );
        assert_eq!(outcome(&trace), "v1", "{target}: {}", trace.reason);
        let filter = trace
            .hops
            .iter()
            .find(|h| h.action == HopAction::GatewayFilter)
            .expect("a filter hop");
        assert_eq!(
            filter.detail.contains("sends a copy"),
            copied,
            "{}",
            filter.detail
        );
        let route = topology
            .gateway
            .routes
            .iter()
            .find(|r| r.name == "mirror")
            .unwrap();
        assert_eq!(
            route.parents[0].conditions[1].reason, resolved_refs,
            "{target}"
        );
    }
}

/// §11.9, upstream's multiple-TCPRoutes test: both Routes are attached, and only the
/// older one's backend gets the listener's connections.
#[test]
fn tcp_traffic_goes_to_the_oldest_route() {
    let tcp_route = |name: &str, stamp: &str, backend: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {{name: {name}, namespace: {NS}, creationTimestamp: \"{stamp}\"}}\nspec:\n  parentRefs: [{{name: gw}}]\n  rules: [{{backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]}}]\n---\n")
    };
    let topology = run(&format!(
        "{}{}{}{}",
        base(),
        gateway("gw", "  - {name: tcp, port: 9000, protocol: TCP}\n"),
        tcp_route("newer", "2026-02-01T00:00:00Z", "v2"),
        tcp_route("older", "2026-01-01T00:00:00Z", "v1"),
    ));
    let ip = address(&topology, "gw");
    for seed in 0..20 {
        let destination = parse_destination(&format!("{ip}:9000")).unwrap();
        let trace = Tracer::new(&topology).trace(
            &TraceSource::External {
                client_ip: "198.51.100.7".parse().unwrap(),
            },
            &destination,
            Protocol::Tcp,
            &mut SeededChooser::new(seed),
        );
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        assert!(
            trace.reason.contains("infra-backend-v1"),
            "{}",
            trace.reason
        );
        assert!(trace
            .hops
            .iter()
            .any(|h| h.action == HopAction::GatewayRoute && h.detail.contains("older")));
    }
}

/// An HTTPRoute `split` on listener `http` of Gateway `gw`: one rule with `rule`
/// (its `matches` and `filters` lines, if any) and the backendRefs given, then the
/// Gateway's address.
fn split_route(rule: &str, backend_refs: &str) -> (Topology, String) {
    let topology = run(&format!(
        "{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        http_route(
            "split",
            &format!(
                "  parentRefs: [{{name: gw}}]\n  rules:\n  - backendRefs:\n{backend_refs}{rule}"
            )
        ),
    ));
    let ip = address(&topology, "gw");
    (topology, ip)
}

/// The details of the trace's `gateway-filter` hops, in order.
fn filter_hops(trace: &Trace) -> Vec<&str> {
    trace
        .hops
        .iter()
        .filter(|h| h.action == HopAction::GatewayFilter)
        .map(|h| h.detail.as_str())
        .collect()
}

fn headers_of(trace: &Trace) -> BTreeMap<String, String> {
    trace.http.as_ref().unwrap().request_headers.clone()
}

/// §11.8: a backendRef's RequestHeaderModifier runs after the rule's, names compared
/// without case, and only for the backend the weighted choice picked: on a 100/0
/// split the weight-0 backend's filter never shows, and on a 50/50 split each seed's
/// headers are those of the backend it reached. Each of its filters is a
/// `gateway-filter` hop after the `gateway-backend` hop, naming the backendRef.
#[test]
fn s11_8_a_header_modifier_on_a_backend_ref_runs_only_for_the_chosen_backend() {
    let rule = "    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier: {set: [{name: X-Rule, value: r}]}\n";
    let backend = |name: &str, weight: u32| {
        format!("    - name: infra-backend-{name}\n      port: 8080\n      weight: {weight}\n      filters:\n      - type: RequestHeaderModifier\n        requestHeaderModifier:\n          set: [{{name: X-Backend, value: {name}}}]\n          add: [{{name: x-rule, value: {name}}}]\n          remove: [x-drop]\n")
    };
    let sent: Headers = &[("X-Drop", "1"), ("X-Keep", "1")];
    let expected = |name: &str| -> BTreeMap<String, String> {
        [
            ("X-Backend", name.to_string()),
            ("X-Keep", "1".to_string()),
            ("X-Rule", format!("r,{name}")),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect()
    };
    for (weights, chosen) in [((100, 0), "v1"), ((0, 100), "v2")] {
        let (topology, ip) = split_route(
            rule,
            &format!("{}{}", backend("v1", weights.0), backend("v2", weights.1)),
        );
        let url = format!("http://{ip}/");
        for seed in 0..5 {
            let trace = send(
                &topology,
                &Request {
                    headers: sent,
                    seed,
                    ..Request::get(&url)
                },
            );
            assert_eq!(outcome(&trace), chosen, "{}", trace.reason);
            assert_eq!(headers_of(&trace), expected(chosen), "{weights:?}");
            let filters = filter_hops(&trace);
            assert_eq!(filters.len(), 2, "{filters:?}");
            assert!(!filters[0].contains("backendRef"), "{}", filters[0]);
            assert!(
                filters[1].contains(&format!("backendRef {NS}/infra-backend-{chosen}:8080"))
                    && filters[1].contains("§11.8")
                    && filters[1].contains("set X-Backend"),
                "{}",
                filters[1]
            );
            let actions: Vec<HopAction> = trace
                .hops
                .iter()
                .map(|h| h.action)
                .filter(|a| matches!(a, HopAction::GatewayFilter | HopAction::GatewayBackend))
                .collect();
            assert_eq!(
                actions,
                [
                    HopAction::GatewayFilter,
                    HopAction::GatewayBackend,
                    HopAction::GatewayFilter
                ]
            );
        }
    }

    let (topology, ip) = split_route(rule, &format!("{}{}", backend("v1", 1), backend("v2", 1)));
    let mut reached = Vec::new();
    for seed in 0..20 {
        let trace = send(
            &topology,
            &Request {
                headers: sent,
                seed,
                ..Request::get(&format!("http://{ip}/"))
            },
        );
        let chosen = outcome(&trace);
        assert_eq!(headers_of(&trace), expected(&chosen), "seed {seed}");
        reached.push(chosen);
    }
    assert!(
        reached.iter().any(|b| b == "v1") && reached.iter().any(|b| b == "v2"),
        "{reached:?}"
    );
}

/// §11.8: a URLRewrite on a backendRef changes the Host and path only that backend
/// sees; the other backend of the rule gets the path as sent.
#[test]
fn s11_8_a_url_rewrite_on_a_backend_ref_changes_the_path_that_backend_sees() {
    let (topology, ip) = split_route(
        "    matches: [{path: {type: PathPrefix, value: /api}}]\n",
        "    - {name: infra-backend-v1, port: 8080}\n    - name: infra-backend-v2\n      port: 8080\n      filters: [{type: URLRewrite, urlRewrite: {hostname: v2.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]\n",
    );
    let mut reached = Vec::new();
    for seed in 0..20 {
        let trace = send(
            &topology,
            &Request {
                seed,
                ..Request::get(&format!("http://{ip}/api/items?x=1"))
            },
        );
        let chosen = outcome(&trace);
        let (path, rewrites) = match chosen.as_str() {
            "v1" => ("/api/items", 0),
            "v2" => ("/v2/items", 1),
            other => panic!("{other}: {}", trace.reason),
        };
        assert_eq!(
            trace.http.as_ref().unwrap().request_path,
            path,
            "seed {seed}"
        );
        let filters = filter_hops(&trace);
        assert_eq!(filters.len(), rewrites, "{filters:?}");
        if rewrites == 1 {
            assert!(
                filters[0].contains("URLRewrite")
                    && filters[0].contains("Host becomes v2.internal")
                    && filters[0].contains("path /api/items becomes /v2/items"),
                "{}",
                filters[0]
            );
        }
        reached.push(chosen);
    }
    assert!(
        reached.iter().any(|b| b == "v1") && reached.iter().any(|b| b == "v2"),
        "{reached:?}"
    );
}

/// §11.8: a RequestMirror on a backendRef copies the request only when that backend
/// is chosen, and never changes which backend answers; an invalid mirror target on a
/// backendRef is dropped and reported as the rule's own mirrors are (§11.7).
#[test]
fn s11_8_a_mirror_on_a_backend_ref_is_sent_only_for_that_backend() {
    let mirrored = |target: &str| {
        split_route(
            "",
            &format!("    - name: infra-backend-v1\n      port: 8080\n      filters: [{{type: RequestMirror, requestMirror: {{backendRef: {{name: {target}, port: 8080}}}}}}]\n    - {{name: infra-backend-v2, port: 8080}}\n"),
        )
    };
    let (topology, ip) = mirrored("infra-backend-v3");
    let mut reached = Vec::new();
    for seed in 0..20 {
        let trace = send(
            &topology,
            &Request {
                seed,
                ..Request::get(&format!("http://{ip}/"))
            },
        );
        let chosen = outcome(&trace);
        let filters = filter_hops(&trace);
        match chosen.as_str() {
            "v1" => {
                assert_eq!(filters.len(), 1, "{filters:?}");
                assert!(
                    filters[0].contains(&format!(
                        "RequestMirror sends a copy to {NS}/infra-backend-v3:8080"
                    )) && filters[0].contains("backendRef"),
                    "{}",
                    filters[0]
                );
            }
            "v2" => assert!(filters.is_empty(), "{filters:?}"),
            other => panic!("{other}: {}", trace.reason),
        }
        reached.push(chosen);
    }
    assert!(
        reached.iter().any(|b| b == "v1") && reached.iter().any(|b| b == "v2"),
        "{reached:?}"
    );

    let (topology, ip) = mirrored("missing");
    let route = topology
        .gateway
        .routes
        .iter()
        .find(|r| r.name == "split")
        .unwrap();
    assert_eq!(route.parents[0].conditions[1].reason, "BackendNotFound");
    let trace = (0..20)
        .map(|seed| {
            send(
                &topology,
                &Request {
                    seed,
                    ..Request::get(&format!("http://{ip}/"))
                },
            )
        })
        .find(|trace| outcome(trace) == "v1")
        .expect("some seed picks v1");
    let filters = filter_hops(&trace);
    assert!(
        filters.len() == 1 && filters[0].contains("is dropped"),
        "{filters:?}"
    );
}

/// §11.8 and §11.13: an ExtensionRef on the chosen backendRef answers 500, since a
/// filter kubetopo cannot run may not be skipped; on a backendRef the weighted choice
/// never picks, it changes nothing. A chosen backend that is invalid answers 500 for
/// its share (§11.7) without running its filters.
#[test]
fn s11_8_an_extension_ref_on_the_chosen_backend_ref_answers_500() {
    let extension = |weight: u32| {
        format!("    - name: infra-backend-v1\n      port: 8080\n      weight: {weight}\n      filters: [{{type: ExtensionRef, extensionRef: {{group: example.net, kind: Auth, name: check}}}}]\n")
    };
    let other =
        |weight: u32| format!("    - {{name: infra-backend-v2, port: 8080, weight: {weight}}}\n");

    let (topology, ip) = split_route("", &format!("{}{}", extension(1), other(0)));
    let trace = send(&topology, &Request::get(&format!("http://{ip}/")));
    assert_eq!(trace.verdict, Verdict::Rejected);
    assert_eq!(outcome(&trace), "500");
    assert!(trace.endpoint.is_none());
    let http = trace.http.as_ref().unwrap();
    assert_eq!(http.backend_service, None);
    let filters = filter_hops(&trace);
    assert!(
        filters.len() == 1
            && filters[0].contains(&format!("backendRef {NS}/infra-backend-v1:8080"))
            && filters[0].contains("ExtensionRef filter (check)"),
        "{filters:?}"
    );
    assert!(trace.reason.contains("ExtensionRef"), "{}", trace.reason);

    let (topology, ip) = split_route("", &format!("{}{}", extension(0), other(1)));
    let trace = send(&topology, &Request::get(&format!("http://{ip}/")));
    assert_eq!(outcome(&trace), "v2", "{}", trace.reason);
    assert!(filter_hops(&trace).is_empty());

    let (topology, ip) = split_route(
        "",
        "    - name: missing\n      port: 8080\n      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: \"1\"}]}}]\n",
    );
    let trace = send(&topology, &Request::get(&format!("http://{ip}/")));
    assert_eq!(outcome(&trace), "500");
    assert!(filter_hops(&trace).is_empty());
    assert!(
        trace.reason.contains("filter(s) do not run"),
        "{}",
        trace.reason
    );
    assert!(!headers_of(&trace).contains_key("X-A"));
}

/// §11.8 and §11.9: a GRPCRoute's backendRef filters run as an HTTPRoute's do: a
/// RequestHeaderModifier on the chosen backend changes the metadata it sees, and an
/// ExtensionRef there answers UNAVAILABLE.
#[test]
fn s11_8_grpc_route_backend_ref_filters_run_for_the_chosen_backend() {
    let grpc_route = |filter: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: echo, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [grpc.example.com]\n  rules:\n  - matches: [{{method: {{service: pkg.Echo}}}}]\n    backendRefs:\n    - name: infra-backend-v1\n      port: 8080\n      filters: [{filter}]\n---\n")
    };
    let call = |filter: &str| {
        let topology = run(&format!(
            "{}{}{}",
            base(),
            gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
            grpc_route(filter)
        ));
        send(
            &topology,
            &Request {
                headers: &[("x-tenant", "a")],
                ..Request::get("grpc://grpc.example.com/pkg.Echo/Say")
            },
        )
    };
    let trace = call("{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Tenant, value: b}], add: [{name: x-via, value: gw}]}}");
    assert_eq!(outcome(&trace), "v1", "{}", trace.reason);
    let http = trace.http.as_ref().unwrap();
    assert_eq!(http.grpc_status, Some("OK"));
    assert_eq!(
        http.request_headers,
        BTreeMap::from([
            ("X-Tenant".to_string(), "b".to_string()),
            ("x-via".to_string(), "gw".to_string()),
        ])
    );
    assert_eq!(filter_hops(&trace).len(), 1);

    let trace =
        call("{type: ExtensionRef, extensionRef: {group: example.net, kind: Auth, name: check}}");
    assert_eq!(trace.verdict, Verdict::Rejected);
    let http = trace.http.as_ref().unwrap();
    assert_eq!(http.status, Some(500));
    assert_eq!(http.grpc_status, Some("UNAVAILABLE"));
}

/// §11.13: a RequestRedirect on a backendRef answers the redirect for the requests
/// the weighted choice sends to that backend, and the other backend still serves its
/// share.
#[test]
fn s11_13_a_redirect_on_a_backend_ref_answers_for_that_backends_share() {
    let (topology, ip) = split_route(
        "",
        "    - name: infra-backend-v1\n      port: 8080\n      filters: [{type: RequestRedirect, requestRedirect: {hostname: moved.example.com, statusCode: 301}}]\n    - {name: infra-backend-v2, port: 8080}\n",
    );
    let mut reached = Vec::new();
    for seed in 0..20 {
        let trace = send(
            &topology,
            &Request {
                seed,
                ..Request::get(&format!("http://{ip}/a?b=1"))
            },
        );
        let got = outcome(&trace);
        match got.as_str() {
            "301" => {
                assert_eq!(trace.verdict, Verdict::Redirected);
                assert_eq!(
                    trace.http.as_ref().unwrap().location.as_deref(),
                    Some("http://moved.example.com/a?b=1")
                );
                assert!(filter_hops(&trace)[0].contains("backendRef"));
            }
            "v2" => assert!(filter_hops(&trace).is_empty()),
            other => panic!("{other}: {}", trace.reason),
        }
        reached.push(got);
    }
    assert!(
        reached.iter().any(|b| b == "301") && reached.iter().any(|b| b == "v2"),
        "{reached:?}"
    );
}
