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
