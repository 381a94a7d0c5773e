//! §11.5 HTTPRoute matching: a regular expression on the path, a header or a query
//! parameter must match the whole value, in the syntax of §11.13.

use super::requests::{address, base, gateway, http_route, outcome, run, send, Headers, Request};

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
