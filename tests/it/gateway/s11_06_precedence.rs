//! §11.6 Precedence: the keys that choose one rule among the Routes on a listener,
//! with the rule book's worked examples, a Route's rules in that order, and the
//! rules another Route always wins against (`gateway-rule-shadowed-by-route`).

use kubetopo::engine::gateway::routing::rules_in_precedence;
use kubetopo::engine::Topology;

use super::requests::{address, base, gateway, http_route, outcome, run, send, Headers, Request};
use super::status;

/// The rules `gateway-rule-shadowed-by-route` reports, as `Kind/ns/name field`.
fn shadowed_by_route(topology: &Topology) -> Vec<String> {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "gateway-rule-shadowed-by-route")
        .map(|d| format!("{} {}", d.object, d.field))
        .collect()
}

/// Two HTTPRoutes on one listener: `a-old` (first by name) and `b-new`, with the
/// hostnames and matches given.
fn two_routes(
    first_hostnames: &str,
    first_rules: &str,
    second_hostnames: &str,
    second_rules: &str,
) -> Topology {
    status::run(&format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web}}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {{name: http, port: 80, protocol: HTTP}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: a-old}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [{first_hostnames}]\n  rules:\n{first_rules}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: b-new}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [{second_hostnames}]\n  rules:\n  - matches: [{{path: {{value: /other}}}}]\n{second_rules}"
    ))
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

/// §11.6: the same match in a Route first by namespace/name (key 7) beats a rule on
/// every hostname it serves, so the rule is reported with its line and the winner;
/// a hostname the other Route does not serve, or a match it lacks, keeps the rule
/// reachable, and a match only written the same way with a trailing `/` is the same.
#[test]
fn s11_6_a_rule_repeated_by_another_route_on_the_listener_is_reported() {
    let first = "  - matches: [{path: {value: /api}}, {path: {value: /v2}}]\n";
    let topology = two_routes(
        "shop.example.com, admin.example.com",
        first,
        "shop.example.com",
        "  - matches: [{path: {value: /api/}}]\n",
    );
    assert_eq!(
        shadowed_by_route(&topology),
        ["HTTPRoute/default/b-new spec.rules[1]"]
    );
    let diagnostic = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-rule-shadowed-by-route")
        .unwrap();
    assert!(
        diagnostic
            .message
            .contains("HTTPRoute default/a-old rule 0"),
        "{}",
        diagnostic.message
    );
    assert!(
        diagnostic.message.contains("listener http"),
        "{}",
        diagnostic.message
    );
    assert!(
        diagnostic.message.contains("hostname shop.example.com"),
        "{}",
        diagnostic.message
    );
    assert!(diagnostic.source.line > 0, "{diagnostic:?}");
    // A hostname the older Route does not serve keeps the rule reachable there.
    assert!(shadowed_by_route(&two_routes(
        "shop.example.com",
        first,
        "shop.example.com, other.example.com",
        "  - matches: [{path: {value: /api}}]\n",
    ))
    .is_empty());
    // A longer prefix ranks higher (key 2), and a header ranks higher (key 4).
    for own in [
        "  - matches: [{path: {value: /api/x}}]\n",
        "  - matches: [{path: {value: /api}, headers: [{name: x-canary, value: \"1\"}]}]\n",
    ] {
        assert!(
            shadowed_by_route(&two_routes(
                "shop.example.com",
                first,
                "shop.example.com",
                own
            ))
            .is_empty(),
            "{own}"
        );
    }
    // The older Route's rule is the one that wins: it is not reported.
    let older_second = two_routes(
        "shop.example.com",
        "  - matches: [{path: {value: /other}}]\n",
        "shop.example.com",
        "",
    );
    assert_eq!(
        shadowed_by_route(&older_second),
        ["HTTPRoute/default/b-new spec.rules[0]"]
    );
}

/// §11.6 key 2: a PathPrefix `/` never beats an `Exact /x`, whatever the Routes'
/// ages; a RegularExpression that takes every path beats every PathPrefix of a
/// Route on the same hostname, unless the prefix also asks for something the
/// expression's match does not. A Route with no hostnames on a listener with none
/// serves every host, and the catch-all on one hostname does not cover that.
#[test]
fn s11_6_a_catch_all_expression_shadows_prefixes_but_a_prefix_never_shadows_an_exact_path() {
    let prefix_root = "  - matches: [{path: {value: /}}]\n";
    assert!(shadowed_by_route(&two_routes(
        "shop.example.com",
        prefix_root,
        "shop.example.com",
        "  - matches: [{path: {type: Exact, value: /x}}]\n",
    ))
    .is_empty());
    let catch_all = "  - matches: [{path: {type: RegularExpression, value: /.*}}]\n";
    let topology = two_routes(
        "shop.example.com",
        catch_all,
        "shop.example.com",
        "  - matches: [{path: {value: /api}, method: GET}]\n  - matches: [{path: {type: Exact, value: /x}}]\n",
    );
    // Rule 0 (/other) and rule 1 (/api GET) are beaten; the Exact rule 2 is not.
    assert_eq!(
        shadowed_by_route(&topology),
        [
            "HTTPRoute/default/b-new spec.rules[0]",
            "HTTPRoute/default/b-new spec.rules[1]"
        ]
    );
    // The expression asks for a header the prefix does not: no cover.
    let with_header = "  - matches: [{path: {type: RegularExpression, value: /.*}, headers: [{name: x-canary, value: \"1\"}]}]\n";
    assert!(shadowed_by_route(&two_routes(
        "shop.example.com",
        with_header,
        "shop.example.com",
        ""
    ))
    .is_empty());
    // The second Route serves every host; the catch-all only one.
    let everywhere = status::run(&format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web}}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {{name: http, port: 80, protocol: HTTP}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: a-old}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [shop.example.com]\n  rules:\n{catch_all}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: b-new}}\nspec:\n  parentRefs: [{{name: web}}]\n  rules:\n  - matches: [{{path: {{value: /api}}}}]\n"
    ));
    assert!(shadowed_by_route(&everywhere).is_empty());
}

/// §11.6: a Route's rules in the order the proxy prefers them: Exact, then the
/// longer regular expression, then the longer PathPrefix, then a method, more
/// header and query matches, and the Route's own order for ties.
#[test]
fn s11_6_rules_in_precedence_order() {
    let yaml = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
  - matches: [{path: {type: PathPrefix, value: /abc}}]
  - matches: [{path: {type: Exact, value: /a}}]
  - matches: [{path: {type: RegularExpression, value: /x.*}}]
  - matches: [{path: {type: PathPrefix, value: /abc}, headers: [{name: x, value: '1'}]}]
  - matches: [{path: {type: PathPrefix, value: /abc}, method: GET}]
  - matches: [{path: {type: PathPrefix, value: /abc/}}]
  - matches: [{path: {type: PathPrefix, value: /}}, {path: {type: Exact, value: /zz}}]
";
    let topology = kubetopo::engine::analyze(
        &[kubetopo::engine::ingest::SourceFile::new("r.yaml", yaml)],
        &kubetopo::engine::config::Config::default(),
    );
    let route = &topology.manifests.gateway.routes[0];
    // Rule 7's best match is Exact /zz (longer than /a); `/abc/` ties `/abc`.
    assert_eq!(rules_in_precedence(route), [7, 2, 3, 5, 4, 1, 6, 0]);
}
