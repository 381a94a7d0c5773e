//! §11.8 Filters: redirects, header modifiers, URL rewrites and mirrors on a rule,
//! and the filters of a backendRef, which run only for the backend the weighted
//! choice picked, with the vectors of upstream's conformance tests.

use std::collections::BTreeMap;

use kubetopo::engine::gateway::model::PathModifier;
use kubetopo::engine::gateway::panel::panel;
use kubetopo::engine::gateway::routing::modify_path;
use kubetopo::engine::trace::{HopAction, Trace, Verdict};

use super::requests::{
    address, base, filter_hops, gateway, http_route, outcome, run, send, split_route, Headers,
    Request, NS,
};

fn headers_of(trace: &Trace) -> BTreeMap<String, String> {
    trace.http.as_ref().unwrap().request_headers.clone()
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

/// §11.8 and §11.14: the Route's details panel names a backendRef's own filters on
/// that backend's line, and the rule's filters on the rule's line.
#[test]
fn s11_8_the_route_panel_lists_each_backend_refs_own_filters() {
    let (topology, _) = split_route(
        "    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier: {set: [{name: X-Rule, value: r}]}\n",
        "    - name: infra-backend-v1\n      port: 8080\n      filters:\n      - {type: URLRewrite, urlRewrite: {hostname: v1.example}}\n      - {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-B, value: \"1\"}]}}\n    - {name: infra-backend-v2, port: 8080}\n",
    );
    let panel =
        panel(&topology, &format!("route:HTTPRoute/{NS}/split")).expect("the Route's panel");
    let rules: Vec<&str> = panel
        .sections
        .iter()
        .filter(|section| section.testid == "route-rules")
        .flat_map(|section| &section.lines)
        .map(|line| line.text.as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "rule 0: /, filters RequestHeaderModifier",
            &format!(
                "→ {NS}/infra-backend-v1:8080 · 50% · filters URLRewrite, RequestHeaderModifier"
            ),
            &format!("→ {NS}/infra-backend-v2:8080 · 50%"),
        ]
    );
}

/// An HTTPRoute `split` whose rule has one CORS filter, `cors` (a flow map), and
/// sends to infra-backend-v1; then the Gateway's address.
fn cors_route(cors: &str) -> (kubetopo::engine::Topology, String) {
    split_route(
        &format!("    filters:\n    - type: CORS\n      cors: {cors}\n"),
        "    - {name: infra-backend-v1, port: 8080}\n",
    )
}

/// A browser's preflight: OPTIONS with an Origin and the method it asks for, and
/// any more headers.
fn preflight<'a>(url: &'a str, headers: Headers<'a>) -> Request<'a> {
    Request {
        method: "OPTIONS",
        headers,
        ..Request::get(url)
    }
}

fn response_headers(trace: &Trace) -> BTreeMap<String, String> {
    trace
        .http
        .as_ref()
        .unwrap_or_else(|| panic!("no http result: {}", trace.reason))
        .response_headers
        .clone()
}

fn header_map(headers: Headers) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// §11.8: a preflight from an allowed origin, through a rule with a CORS filter, is
/// answered by the Gateway itself with 200 and the CORS headers: the origin echoed,
/// credentials, the allowed methods and headers, the max age. No backend sees it,
/// so the verdict is `answered`.
#[test]
fn s11_8_cors_answers_an_allowed_preflight_itself() {
    let (topology, ip) = cors_route(
        "{allowOrigins: [\"https://app.example.com\"], allowCredentials: true, allowMethods: [GET, PUT, DELETE], allowHeaders: [X-Token, Content-Type], exposeHeaders: [X-Total], maxAge: 600}",
    );
    let trace = send(
        &topology,
        &preflight(
            &format!("http://{ip}/items"),
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "x-token"),
            ],
        ),
    );
    assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
    assert_eq!(outcome(&trace), "200");
    let http = trace.http.as_ref().unwrap();
    assert_eq!(http.backend_service, None);
    assert_eq!(http.location, None);
    assert!(trace.endpoint.is_none());
    // The trace ends at the proxy's filter: no backend choice, no connection on.
    assert!(
        !trace
            .hops
            .iter()
            .any(|h| matches!(h.action, HopAction::GatewayBackend | HopAction::Proxy)),
        "{:?}",
        trace.hops
    );
    assert_eq!(
        trace.hops.last().map(|h| h.action),
        Some(HopAction::GatewayFilter)
    );
    assert_eq!(
        response_headers(&trace),
        header_map(&[
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Headers", "X-Token, Content-Type"),
            ("Access-Control-Allow-Methods", "GET, PUT, DELETE"),
            ("Access-Control-Allow-Origin", "https://app.example.com"),
            ("Access-Control-Max-Age", "600"),
        ])
    );
    let filters = filter_hops(&trace);
    assert_eq!(filters.len(), 1, "{filters:?}");
    assert!(
        filters[0].contains("answers the preflight")
            && filters[0].contains("the browser may then send the real request")
            && filters[0].contains("the backend never sees the preflight (§11.8)"),
        "{}",
        filters[0]
    );
    assert!(trace.reason.contains("answers 200"), "{}", trace.reason);

    // maxAge defaults to 5, and with no allowMethods or allowHeaders those headers
    // are left out.
    let (topology, ip) = cors_route("{allowOrigins: [\"https://app.example.com\"]}");
    let trace = send(
        &topology,
        &preflight(
            &format!("http://{ip}/"),
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "POST"),
            ],
        ),
    );
    assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
    assert_eq!(
        response_headers(&trace),
        header_map(&[
            ("Access-Control-Allow-Origin", "https://app.example.com"),
            ("Access-Control-Max-Age", "5"),
        ])
    );
}

/// §11.8: an allowed origin's `*` stands for any run of labels to its left, and a
/// port left out is the scheme's (80, 443), so `https://a.com` and
/// `https://a.com:443` are one origin. Scheme and port must agree.
#[test]
fn s11_8_cors_origin_wildcards_and_default_ports() {
    let (topology, ip) = cors_route(
        "{allowOrigins: [\"https://*.example.com\", \"http://localhost:8080\", \"https://shop.test:443\"], allowMethods: [PUT]}",
    );
    let url = format!("http://{ip}/");
    let cases = [
        ("https://a.example.com", true),
        ("https://a.b.example.com", true),
        ("https://A.B.Example.com", true),
        ("https://a.example.com:443", true),
        ("https://a.example.com:8443", false),
        ("http://a.example.com", false),
        ("https://example.com", false),
        ("https://a.example.org", false),
        ("https://evil-example.com", false),
        ("https://a.example.com.evil.org", false),
        ("http://localhost:8080", true),
        ("http://localhost", false),
        ("https://shop.test", true),
        ("https://shop.test:443", true),
        ("null", false),
    ];
    for (origin, allowed) in cases {
        let trace = send(
            &topology,
            &preflight(
                &url,
                &[("Origin", origin), ("Access-Control-Request-Method", "PUT")],
            ),
        );
        assert_eq!(
            trace.verdict,
            Verdict::Answered,
            "{origin}: {}",
            trace.reason
        );
        let headers = response_headers(&trace);
        assert_eq!(
            headers
                .get("Access-Control-Allow-Origin")
                .map(String::as_str),
            allowed.then_some(origin),
            "{origin}: {}",
            filter_hops(&trace)[0]
        );
    }
}

/// §11.8: `allowOrigins: ["*"]` answers `*` when credentials are not allowed, and
/// echoes the Origin when they are, with `Access-Control-Allow-Credentials: true`.
/// `*` methods and headers with credentials echo what the preflight asks for (and
/// the headers line is left out when it asks for none); without credentials they
/// are `*`.
#[test]
fn s11_8_cors_wildcards_with_and_without_credentials() {
    let ask: Headers = &[
        ("Origin", "https://anyone.example"),
        ("Access-Control-Request-Method", "PATCH"),
        ("Access-Control-Request-Headers", "X-A, X-B"),
    ];
    let ask_no_headers: Headers = &[
        ("Origin", "https://anyone.example"),
        ("Access-Control-Request-Method", "PATCH"),
    ];
    let cases: &[(&str, Headers, Headers)] = &[
        (
            "false",
            ask,
            &[
                ("Access-Control-Allow-Headers", "*"),
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Max-Age", "5"),
            ],
        ),
        (
            "true",
            ask,
            &[
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Headers", "X-A, X-B"),
                ("Access-Control-Allow-Methods", "PATCH"),
                ("Access-Control-Allow-Origin", "https://anyone.example"),
                ("Access-Control-Max-Age", "5"),
            ],
        ),
        (
            "true",
            ask_no_headers,
            &[
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "PATCH"),
                ("Access-Control-Allow-Origin", "https://anyone.example"),
                ("Access-Control-Max-Age", "5"),
            ],
        ),
    ];
    for (credentials, sent, expected) in cases {
        let (topology, ip) = cors_route(&format!(
            "{{allowOrigins: [\"*\"], allowMethods: [\"*\"], allowHeaders: [\"*\"], allowCredentials: {credentials}}}"
        ));
        let trace = send(&topology, &preflight(&format!("http://{ip}/"), sent));
        assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
        assert_eq!(
            response_headers(&trace),
            header_map(expected),
            "credentials {credentials}"
        );
        let filters = filter_hops(&trace);
        assert!(
            filters[0].contains("the browser may then send the real request"),
            "{}",
            filters[0]
        );
    }
}

/// §11.8 and §11.13: a preflight from an origin that is not allowed is still
/// answered 200 by the Gateway, with no CORS headers; the hop says the browser will
/// not send the real request.
#[test]
fn s11_8_cors_a_preflight_from_a_disallowed_origin_gets_200_and_no_headers() {
    let (topology, ip) = cors_route(
        "{allowOrigins: [\"https://app.example.com\"], allowMethods: [PUT], allowCredentials: true}",
    );
    let trace = send(
        &topology,
        &preflight(
            &format!("http://{ip}/"),
            &[
                ("Origin", "https://evil.example"),
                ("Access-Control-Request-Method", "PUT"),
            ],
        ),
    );
    assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
    assert_eq!(outcome(&trace), "200");
    assert!(response_headers(&trace).is_empty());
    assert!(trace.endpoint.is_none());
    let filters = filter_hops(&trace);
    assert!(
        filters[0].contains(
            "https://evil.example is not among the allowed origins (https://app.example.com)"
        ) && filters[0].contains("the browser will not send the real request"),
        "{}",
        filters[0]
    );
}

/// §11.8: a preflight asking for a method the filter does not allow (not listed,
/// not GET, HEAD or POST) or for a header it does not list is answered 200 all the
/// same, and the hop says the browser will refuse; GET, HEAD and POST are always
/// allowed.
#[test]
fn s11_8_cors_a_preflight_for_a_method_not_allowed_is_refused_by_the_browser() {
    let (topology, ip) = cors_route(
        "{allowOrigins: [\"https://app.example.com\"], allowMethods: [GET, PUT], allowHeaders: [X-Token]}",
    );
    let url = format!("http://{ip}/");
    let ask = |method: &'static str, headers: &'static str| -> Vec<(&'static str, &'static str)> {
        let mut sent = vec![
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", method),
        ];
        if !headers.is_empty() {
            sent.push(("Access-Control-Request-Headers", headers));
        }
        sent
    };
    let cases = [
        ("DELETE", "", Some("DELETE is not an allowed method")),
        ("put", "", Some("put is not an allowed method")),
        ("PUT", "", None),
        ("POST", "", None),
        ("HEAD", "", None),
        ("PUT", "x-token", None),
        (
            "PUT",
            "X-Token, X-Other",
            Some("X-Other are not in allowHeaders"),
        ),
    ];
    for (method, headers, refused) in cases {
        let sent = ask(method, headers);
        let trace = send(&topology, &preflight(&url, &sent));
        assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
        assert_eq!(outcome(&trace), "200");
        let response = response_headers(&trace);
        assert_eq!(
            response
                .get("Access-Control-Allow-Methods")
                .map(String::as_str),
            Some("GET, PUT")
        );
        let detail = filter_hops(&trace)[0];
        match refused {
            Some(why) => assert!(
                detail.contains(why)
                    && detail.contains("the browser will refuse to send the real request"),
                "{method} {headers}: {detail}"
            ),
            None => assert!(!detail.contains("refuse"), "{method} {headers}: {detail}"),
        }
    }
}

/// §11.8: an actual request with an allowed Origin goes on to the backend, and the
/// response gets Access-Control-Allow-Origin and Access-Control-Expose-Headers
/// (`http.responseHeaders`); from an origin not allowed it gets none, and the hop
/// says the browser will keep the response from the page. Without an Origin the
/// filter does nothing, and an OPTIONS without Access-Control-Request-Method is no
/// preflight: it goes to the backend.
#[test]
fn s11_8_cors_an_actual_request_goes_to_the_backend_with_cors_headers() {
    let (topology, ip) = cors_route(
        "{allowOrigins: [\"https://app.example.com\"], exposeHeaders: [X-Total, X-Page], allowMethods: [PUT]}",
    );
    let url = format!("http://{ip}/items");
    let cases: &[(&str, Headers, Headers, &str)] = &[
        (
            "GET",
            &[("Origin", "https://app.example.com")],
            &[
                ("Access-Control-Allow-Origin", "https://app.example.com"),
                ("Access-Control-Expose-Headers", "X-Total, X-Page"),
            ],
            "so the response gets Access-Control-Allow-Origin: https://app.example.com; Access-Control-Expose-Headers: X-Total, X-Page (§11.8)",
        ),
        (
            "GET",
            &[("Origin", "https://evil.example")],
            &[],
            "the browser will keep the response from the page",
        ),
        ("GET", &[], &[], "CORS does nothing for a request without an Origin header"),
        (
            "OPTIONS",
            &[("Origin", "https://app.example.com")],
            &[
                ("Access-Control-Allow-Origin", "https://app.example.com"),
                ("Access-Control-Expose-Headers", "X-Total, X-Page"),
            ],
            "an OPTIONS without Access-Control-Request-Method is not a preflight, so it goes on to the backend",
        ),
        (
            "OPTIONS",
            &[("Access-Control-Request-Method", "PUT")],
            &[],
            "CORS does nothing for a request without an Origin header",
        ),
    ];
    for (method, sent, expected, said) in cases {
        let trace = send(
            &topology,
            &Request {
                method,
                headers: sent,
                ..Request::get(&url)
            },
        );
        assert_eq!(
            trace.verdict,
            Verdict::Delivered,
            "{method} {sent:?}: {}",
            trace.reason
        );
        assert_eq!(outcome(&trace), "v1");
        assert_eq!(
            response_headers(&trace),
            header_map(expected),
            "{method} {sent:?}"
        );
        assert_eq!(
            headers_of(&trace),
            header_map(sent),
            "the backend sees the request as sent"
        );
        let filters = filter_hops(&trace);
        assert!(
            filters.len() == 1 && filters[0].contains(said),
            "{method} {sent:?}: {filters:?}"
        );
    }
}

/// §11.8: a CORS filter on a backendRef answers no preflight, since the backend is
/// chosen after matching: the preflight goes on to the backend, and the filter adds
/// its response headers as for any request with an allowed Origin.
#[test]
fn s11_8_cors_on_a_backend_ref_answers_no_preflight() {
    let (topology, ip) = split_route(
        "",
        "    - name: infra-backend-v1\n      port: 8080\n      filters: [{type: CORS, cors: {allowOrigins: [\"https://app.example.com\"], allowCredentials: true}}]\n",
    );
    let trace = send(
        &topology,
        &preflight(
            &format!("http://{ip}/"),
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "PUT"),
            ],
        ),
    );
    assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
    assert_eq!(outcome(&trace), "v1");
    assert_eq!(
        response_headers(&trace),
        header_map(&[
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Origin", "https://app.example.com"),
        ])
    );
    let filters = filter_hops(&trace);
    assert!(
        filters.len() == 1
            && filters[0].contains("backendRef")
            && filters[0].contains("answers no preflight"),
        "{filters:?}"
    );
}

/// §11.8: a ResponseHeaderModifier's `set` and `add` show in `http.responseHeaders`
/// (a later `add` of the same name appends with a comma; `remove` drops what an
/// earlier filter added), next to the CORS headers, on the rule and on the chosen
/// backendRef.
#[test]
fn s11_8_response_header_modifiers_and_cors_fill_response_headers() {
    let (topology, ip) = split_route(
        "    filters:\n    - type: ResponseHeaderModifier\n      responseHeaderModifier:\n        set: [{name: X-Frame-Options, value: DENY}, {name: X-Gone, value: \"1\"}]\n        add: [{name: X-Served-By, value: gw}]\n    - {type: CORS, cors: {allowOrigins: [\"*\"]}}\n",
        "    - name: infra-backend-v1\n      port: 8080\n      filters:\n      - type: ResponseHeaderModifier\n        responseHeaderModifier:\n          add: [{name: x-served-by, value: v1}]\n          remove: [X-Gone]\n",
    );
    let trace = send(
        &topology,
        &Request {
            headers: &[("Origin", "https://a.example")],
            ..Request::get(&format!("http://{ip}/"))
        },
    );
    assert_eq!(outcome(&trace), "v1", "{}", trace.reason);
    assert_eq!(
        response_headers(&trace),
        header_map(&[
            ("Access-Control-Allow-Origin", "*"),
            ("X-Frame-Options", "DENY"),
            ("X-Served-By", "gw,v1"),
        ])
    );
    // The request's own headers are not the response's.
    assert_eq!(
        headers_of(&trace),
        header_map(&[("Origin", "https://a.example")])
    );
}

/// §11.1 and §11.8: the API server refuses a CORS filter with `*` beside other
/// origins or methods, or a maxAge below 1, at the field's line, and the Route is
/// left out.
#[test]
fn s11_8_cors_api_server_refusals_point_at_the_field() {
    let route = |cors: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  rules:\n  - filters:\n    - type: CORS\n      cors:\n{cors}    backendRefs: [{{name: s, port: 80}}]\n")
    };
    let cases: &[(&str, String, usize, &str)] = &[
        (
            "'*' beside an origin",
            route("        allowOrigins: [\"*\", \"https://a.example\"]\n"),
            9,
            "cannot contain '*' alongside other origins",
        ),
        (
            "'*' beside a method",
            route("        allowOrigins: [\"https://a.example\"]\n        allowMethods:\n        - GET\n        - \"*\"\n"),
            11,
            "cannot contain '*' alongside other methods",
        ),
        (
            "maxAge 0",
            route("        allowOrigins: [\"https://a.example\"]\n        maxAge: 0\n"),
            10,
            "maxAge` must be at least 1, not 0",
        ),
    ];
    for (what, yaml, line, message) in cases {
        let topology = super::reading::run(yaml);
        let found: Vec<_> = topology
            .diagnostics
            .iter()
            .filter(|d| d.code == "gateway-invalid-spec")
            .map(|d| (d.source.line, d.message.as_str()))
            .collect();
        assert!(
            found
                .iter()
                .any(|(at, text)| at == line && text.contains(message)),
            "{what}: expected line {line}, got {found:?}"
        );
        assert!(
            topology.manifests.gateway.routes.is_empty(),
            "{what}: the Route must be left out"
        );
    }
    // `*` alone, and a maxAge of 1, are fine.
    let topology = super::reading::run(&route(
        "        allowOrigins: [\"*\"]\n        allowMethods: [\"*\"]\n        maxAge: 1\n",
    ));
    assert!(
        !topology
            .diagnostics
            .iter()
            .any(|d| d.code == "gateway-invalid-spec"),
        "{:?}",
        topology.diagnostics
    );
    assert_eq!(topology.manifests.gateway.routes.len(), 1);
}

/// §11.8 and §11.10: in the trace's JSON, an answered preflight has the verdict
/// `answered`, schema version 3, and the CORS headers in `http.responseHeaders`; a
/// delivered request carries `responseHeaders` too, empty when nothing is added.
#[test]
fn s11_8_an_answered_preflight_in_the_trace_json() {
    let (topology, ip) =
        cors_route("{allowOrigins: [\"https://app.example.com\"], allowMethods: [PUT]}");
    let trace = send(
        &topology,
        &preflight(
            &format!("http://{ip}/"),
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "PUT"),
            ],
        ),
    );
    let json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::trace::to_json(&trace)).unwrap();
    assert_eq!(json["schemaVersion"], 3);
    assert_eq!(json["verdict"], "answered");
    assert_eq!(json["endpoint"], serde_json::Value::Null);
    assert_eq!(json["http"]["status"], 200);
    assert_eq!(json["http"]["backendService"], serde_json::Value::Null);
    assert_eq!(
        json["http"]["responseHeaders"],
        serde_json::json!({
            "Access-Control-Allow-Methods": "PUT",
            "Access-Control-Allow-Origin": "https://app.example.com",
            "Access-Control-Max-Age": "5",
        })
    );
    assert_eq!(Verdict::Answered.as_str(), "answered");
    assert!(Verdict::ALL.contains(&Verdict::Answered));

    let trace = send(&topology, &Request::get(&format!("http://{ip}/")));
    let json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::trace::to_json(&trace)).unwrap();
    assert_eq!(json["verdict"], "delivered");
    assert_eq!(json["http"]["responseHeaders"], serde_json::json!({}));
}
