//! §11.5 HTTPRoute matching: a regular expression on the path, a header or a query
//! parameter must match the whole value, in the syntax of §11.13; Exact and PathPrefix
//! paths at their edges; header names without regard to case.

use kubetopo::engine::Topology;

use super::requests::{address, base, gateway, http_route, outcome, run, send, Headers, Request};

/// The conformance base with Gateway `gw` (one HTTP listener on port 80) and
/// `route`, and the Gateway's address.
fn on_http_gateway(route: &str) -> (Topology, String) {
    let topology = run(&format!(
        "{}{}{route}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let ip = address(&topology, "gw");
    (topology, ip)
}

/// Sends each (path, headers) to the Gateway at `ip` and checks the outcome: the
/// backend that answered, or the status.
fn expect_outcomes(topology: &Topology, ip: &str, cases: &[(&str, Headers, &str)]) {
    for (path, headers, expected) in cases {
        let url = format!("http://{ip}{path}");
        let trace = send(
            topology,
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

/// §11.5 and §11.13: a regular expression on the path, a header or a query
/// parameter must match the whole value, in RE2 syntax; a pattern that does not
/// compile never matches, even one that would compile inside `^(?:…)$`.
#[test]
fn regular_expression_matches() {
    let route = http_route("regex", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: RegularExpression, value: '/users/\\d+'}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{headers: [{type: RegularExpression, name: authorization, value: '(?i)bearer [a-z0-9._-]+'}]}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n  - matches: [{queryParams: [{type: RegularExpression, name: v, value: '[0-9]{2}'}]}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n  - matches: [{path: {type: RegularExpression, value: '/old)|(/legacy'}}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n");
    let (topology, ip) = on_http_gateway(&route);
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
    expect_outcomes(&topology, &ip, cases);
}

/// §11.5: `Exact` compares the whole path, so `/abc` is not `/abc/` nor `/ABC`;
/// `PathPrefix` compares whole `/`-separated elements, so `/abc` takes `/abc`,
/// `/abc/` and `/abc/x` but not `/abcd`, and a value's trailing `/` is ignored
/// (`/def/` takes `/def`). The query string is not part of the path.
#[test]
fn s11_5_exact_and_prefix_paths_compare_whole_elements() {
    let route = http_route("paths", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: Exact, value: /abc}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{path: {type: PathPrefix, value: /abc}}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n  - matches: [{path: {type: PathPrefix, value: /def/}}]\n    backendRefs: [{name: infra-backend-v3, port: 8080}]\n");
    let (topology, ip) = on_http_gateway(&route);
    let cases: &[(&str, Headers, &str)] = &[
        // Exact /abc wins over PathPrefix /abc only for the very path (§11.6).
        ("/abc", &[], "v1"),
        ("/abc?x=1", &[], "v1"),
        ("/abc/", &[], "v2"),
        ("/abc/x", &[], "v2"),
        ("/abc/x/y", &[], "v2"),
        ("/abcd", &[], "404"),
        ("/abcd/x", &[], "404"),
        ("/ABC", &[], "404"),
        ("/ab", &[], "404"),
        ("/def", &[], "v3"),
        ("/def/", &[], "v3"),
        ("/def/x", &[], "v3"),
        ("/defg", &[], "404"),
    ];
    expect_outcomes(&topology, &ip, cases);
    // Without the Exact rule, `/abc` itself falls to the prefix.
    let (prefix_only, ip) = on_http_gateway(&http_route("paths", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /abc}}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n"));
    expect_outcomes(&prefix_only, &ip, &[("/abc", &[], "v2")]);
    // And an Exact rule alone does not take `/abc/`.
    let (exact_only, ip) = on_http_gateway(&http_route("paths", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: Exact, value: /abc}}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n"));
    expect_outcomes(
        &exact_only,
        &ip,
        &[("/abc", &[], "v1"), ("/abc/", &[], "404")],
    );
}

/// §11.5: header names match without regard to case, in the Route and in the
/// request; values compare exactly; and of two entries whose names differ only in
/// case, only the first counts.
#[test]
fn s11_5_header_names_ignore_case_and_values_do_not() {
    let route = http_route("headers", "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {value: /h}, headers: [{name: X-Version, value: one}]}]\n    backendRefs: [{name: infra-backend-v1, port: 8080}]\n  - matches: [{path: {value: /first}, headers: [{name: x-team, value: a}, {name: X-Team, value: b}]}]\n    backendRefs: [{name: infra-backend-v2, port: 8080}]\n");
    let (topology, ip) = on_http_gateway(&route);
    let cases: &[(&str, Headers, &str)] = &[
        ("/h", &[("X-Version", "one")], "v1"),
        ("/h", &[("x-version", "one")], "v1"),
        ("/h", &[("X-VERSION", "one")], "v1"),
        ("/h", &[("x-version", "One")], "404"),
        ("/h", &[("x-version", "two")], "404"),
        ("/h", &[("x-versions", "one")], "404"),
        ("/h", &[], "404"),
        // Only `x-team: a` counts; `X-Team: b` is ignored.
        ("/first", &[("X-TEAM", "a")], "v2"),
        ("/first", &[("x-team", "b")], "404"),
    ];
    expect_outcomes(&topology, &ip, cases);
}
