//! §11.4 Attaching Routes: parentRefs narrowed by sectionName and port, the reason
//! a Route is not accepted at each step, hostname intersection, rules with values
//! the API does not know, an HTTPRoute beside a GRPCRoute on one listener, and the
//! place of each parentRef diagnostic, with the vectors of upstream's conformance
//! tests and hostnames documentation.

use kubetopo::engine::gateway::hostname;

use super::reading;
use super::status::{codes, conditions, gateway, gw, position_of, positions, route, run};

/// §11.4: an unknown match type drops the rule instead of refusing the object.
#[test]
fn an_unknown_enum_value_drops_the_rule() {
    let topology = reading::run("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{path: {type: Glob, value: /a}}]\n    backendRefs: [{name: s, port: 80}]\n  - backendRefs: [{name: s, port: 80}]\n");
    let rules = &topology.manifests.gateway.routes[0].rules;
    assert_eq!(
        rules[0].unsupported.as_deref(),
        Some("path match type Glob")
    );
    assert_eq!(rules[1].unsupported, None);
}

/// §11.4, the status vectors of upstream's TLSRoute and TCPRoute conformance tests.
#[test]
fn attachment_status_vectors() {
    let gateways = format!(
        "{}{}{}",
        gw("http-only", "  - {name: http, port: 80, protocol: HTTP}\n"),
        gw("tls-gw", "  - {name: www, port: 443, protocol: TLS, hostname: www.example.com, tls: {mode: Passthrough}}\n  - {name: wild, port: 8443, protocol: TLS, hostname: \"*.example.com\", tls: {mode: Passthrough}}\n"),
        gw("http-kinds", "  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}\n"),
    );
    let routes = "apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: to-http}
spec:
  parentRefs: [{name: http-only}]
  hostnames: [tls.example.com]
  rules: [{backendRefs: [{name: s, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: no-section}
spec:
  parentRefs: [{name: tls-gw, sectionName: nonexistent-listener}]
  hostnames: [www.example.com]
  rules: [{backendRefs: [{name: s, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: no-host-exact}
spec:
  parentRefs: [{name: tls-gw, sectionName: www}]
  hostnames: [www.nomatch.com, \"*.nomatch.com\"]
  rules: [{backendRefs: [{name: s, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: no-host-wild}
spec:
  parentRefs: [{name: tls-gw, sectionName: wild}]
  hostnames: [www.different.com, \"*.different.com\"]
  rules: [{backendRefs: [{name: s, port: 443}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: tcp-to-http}
spec:
  parentRefs: [{name: http-kinds, sectionName: http}]
  rules: [{backendRefs: [{name: s, port: 80}]}]
";
    let topology = run(&format!("{gateways}{routes}"));
    let accepted =
        |name: &str| conditions(&route(&topology, name).parents[0].conditions)[0].clone();
    assert_eq!(accepted("to-http"), "Accepted=False/NotAllowedByListeners");
    assert_eq!(accepted("no-section"), "Accepted=False/NoMatchingParent");
    assert_eq!(
        accepted("no-host-exact"),
        "Accepted=False/NoMatchingListenerHostname"
    );
    assert_eq!(
        accepted("no-host-wild"),
        "Accepted=False/NoMatchingListenerHostname"
    );
    assert_eq!(
        accepted("tcp-to-http"),
        "Accepted=False/NotAllowedByListeners"
    );
    for name in ["http-only", "tls-gw", "http-kinds"] {
        assert!(
            gateway(&topology, name)
                .listeners
                .iter()
                .all(|l| l.attached_routes == 0),
            "{name}"
        );
    }
    let all = codes(&topology);
    for code in [
        "gateway-route-not-allowed",
        "gateway-route-no-matching-parent",
        "gateway-route-no-matching-hostname",
    ] {
        assert!(all.contains(&code), "{code}: {all:?}");
    }
}

/// §11.4 step 3, upstream's TLSRoute-without-a-matching-listener vector: a TLSRoute
/// whose Gateway has only an HTTPS listener, or only an HTTP one, finds no listener
/// that takes its kind, so every parent entry is Accepted=False/NotAllowedByListeners
/// (not NoMatchingParent, since the listener exists) and the listeners count no
/// attached Route; the JSON of `analyze` says the same.
#[test]
fn s11_4_a_tls_route_to_an_https_only_or_http_only_gateway_is_not_allowed_by_listeners() {
    let gateways = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: cert}}\n---\n{}{}",
        gw("https-only", "  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}\n"),
        gw("http-only", "  - {name: http, port: 80, protocol: HTTP}\n"),
    );
    let tls_route = |name: &str, parents: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {{name: {name}}}\nspec:\n  parentRefs: [{parents}]\n  hostnames: [tls.example.com]\n  rules: [{{backendRefs: [{{name: s, port: 443}}]}}]\n---\n")
    };
    let topology = run(&format!(
        "{gateways}{}{}{}",
        tls_route("to-https", "{name: https-only}"),
        tls_route(
            "to-https-listener",
            "{name: https-only, sectionName: https}"
        ),
        tls_route("to-both", "{name: https-only}, {name: http-only}"),
    ));
    for name in ["https-only", "http-only"] {
        let g = gateway(&topology, name);
        assert_eq!(
            conditions(&g.conditions)[0],
            "Accepted=True/Accepted",
            "{name}"
        );
        assert_eq!(
            conditions(&g.listeners[0].conditions)[0],
            "Accepted=True/Accepted",
            "{name}"
        );
        assert_eq!(g.listeners[0].attached_routes, 0, "{name}");
    }
    for (name, parents) in [
        ("to-https", vec!["default/https-only"]),
        ("to-https-listener", vec!["default/https-only"]),
        ("to-both", vec!["default/https-only", "default/http-only"]),
    ] {
        let r = route(&topology, name);
        let gateways: Vec<String> = r.parents.iter().map(|p| p.gateway.to_string()).collect();
        assert_eq!(gateways, parents, "{name}");
        for parent in &r.parents {
            assert_eq!(
                conditions(&parent.conditions)[0],
                "Accepted=False/NotAllowedByListeners",
                "{name} on {}",
                parent.gateway
            );
            assert!(parent.attachments.is_empty(), "{name}");
        }
    }
    let n_not_allowed = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "gateway-route-not-allowed")
        .count();
    assert_eq!(n_not_allowed, 4, "{:?}", codes(&topology));

    let json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::output::to_json(&topology)).unwrap();
    for g in json["gateways"].as_array().unwrap() {
        assert_eq!(g["listeners"][0]["attachedRoutes"], 0, "{}", g["name"]);
    }
    let reasons: Vec<&str> = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["parents"].as_array().unwrap())
        .map(|p| p["conditions"][0]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["NotAllowedByListeners"; 4]);
}

/// §11.4 and §11.9: two TCPRoutes on one listener are both accepted and counted; the
/// newer one is reported as getting no traffic.
#[test]
fn two_tcp_routes_on_one_listener() {
    let yaml = format!(
        "{}apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {{name: old, creationTimestamp: \"2026-01-01T00:00:00Z\"}}
spec:
  parentRefs: [{{name: g}}]
  rules: [{{backendRefs: [{{name: s, port: 80}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {{name: a-new, creationTimestamp: \"2026-02-01T00:00:00Z\"}}
spec:
  parentRefs: [{{name: g}}]
  rules: [{{backendRefs: [{{name: s, port: 80}}]}}]
",
        gw("g", "  - {name: tcp, port: 9000, protocol: TCP}\n")
    );
    let topology = run(&yaml);
    assert_eq!(gateway(&topology, "g").listeners[0].attached_routes, 2);
    for name in ["old", "a-new"] {
        assert_eq!(
            conditions(&route(&topology, name).parents[0].conditions)[0],
            "Accepted=True/Accepted"
        );
    }
    let shadowed = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-route-shadowed-l4")
        .expect("shadowed");
    assert_eq!(shadowed.object, "TCPRoute/default/a-new");
}

/// §11.4: parentRef sectionName and port narrow the listeners; one Route on two
/// listeners counts once on each.
#[test]
fn section_name_and_port() {
    let listeners = "  - {name: a, port: 80, protocol: HTTP, hostname: a.example.com}\n  - {name: b, port: 80, protocol: HTTP, hostname: b.example.com}\n  - {name: c, port: 8080, protocol: HTTP}\n";
    let routes = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: every}
spec:
  parentRefs: [{name: g}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: on-port}
spec:
  parentRefs: [{name: g, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wrong-port}
spec:
  parentRefs: [{name: g, sectionName: a, port: 8080}]
";
    let topology = run(&format!("{}{routes}", gw("g", listeners)));
    let attached: Vec<usize> = gateway(&topology, "g")
        .listeners
        .iter()
        .map(|l| l.attached_routes)
        .collect();
    assert_eq!(attached, [1, 1, 2]);
    assert_eq!(
        conditions(&route(&topology, "wrong-port").parents[0].conditions)[0],
        "Accepted=False/NoMatchingParent"
    );
}

/// §11.4: hostname intersection, with the vectors of the hostnames documentation.
#[test]
fn hostname_intersection() {
    // (listener, route, intersection: None when disjoint, Some(None) for any host)
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<Option<&'a str>>);
    let cases: &[Case] = &[
        (None, Some("a.example.com"), Some(Some("a.example.com"))),
        (Some("a.example.com"), None, Some(Some("a.example.com"))),
        (
            Some("a.example.com"),
            Some("a.example.com"),
            Some(Some("a.example.com")),
        ),
        (Some("a.example.com"), Some("b.example.com"), None),
        (
            Some("*.example.com"),
            Some("*.com"),
            Some(Some("*.example.com")),
        ),
        (
            Some("sub.domain.example.com"),
            Some("*.example.com"),
            Some(Some("sub.domain.example.com")),
        ),
        (Some("*.example.com"), Some("example.com"), None),
        (
            Some("*.example.com"),
            Some("a.b.example.com"),
            Some(Some("a.b.example.com")),
        ),
        (
            Some("*.com"),
            Some("*.example.com"),
            Some(Some("*.example.com")),
        ),
        (Some("*.example.com"), Some("*.example.net"), None),
        (None, None, Some(None)),
    ];
    for (listener, route_host, expected) in cases {
        let got = hostname::intersect(*listener, *route_host);
        assert_eq!(
            got.as_ref().map(|o| o.as_deref()),
            *expected,
            "{listener:?} ∩ {route_host:?}"
        );
    }
    assert!(hostname::host_matches(
        Some("*.example.com"),
        "a.b.example.com:8080"
    ));
    assert!(!hostname::host_matches(
        Some("*.example.com"),
        "example.com"
    ));
    assert!(hostname::host_matches(Some("example.com"), "EXAMPLE.com"));
    assert!(!hostname::host_matches(Some("*.example.com"), "10.0.0.1"));
    assert!(hostname::host_matches(None, "10.0.0.1"));

    // Route hostnames that intersect nothing are ignored on that listener.
    let topology = run(&format!("{}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs: [{{name: g}}]\n  hostnames: [test.example.com, test.example.net]\n", gw("g", "  - {name: h, port: 80, protocol: HTTP, hostname: \"*.example.com\"}\n")));
    let parent = &route(&topology, "r").parents[0];
    assert_eq!(
        parent.attachments[0].hostnames,
        [Some("test.example.com".to_string())]
    );
}

/// §11.4: an HTTPRoute and a GRPCRoute on one listener with overlapping hostnames:
/// the older wins; without timestamps, namespace/name decides.
#[test]
fn http_route_and_grpc_route_precedence() {
    let listener = gw("g", "  - {name: h, port: 80, protocol: HTTP}\n");
    let pair = |http_stamp: &str, grpc_stamp: &str| {
        format!("{listener}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: web{http_stamp}}}\nspec:\n  parentRefs: [{{name: g}}]\n  hostnames: [api.example.com]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: api{grpc_stamp}}}\nspec:\n  parentRefs: [{{name: g}}]\n  hostnames: [\"*.example.com\"]\n")
    };
    let older_grpc = run(&pair(
        ", creationTimestamp: \"2026-05-01T00:00:00Z\"",
        ", creationTimestamp: \"2026-04-01T00:00:00Z\"",
    ));
    assert_eq!(
        conditions(&route(&older_grpc, "api").parents[0].conditions)[0],
        "Accepted=True/Accepted"
    );
    let loser = &route(&older_grpc, "web").parents[0].conditions[0];
    assert_eq!(
        format!("{}/{}", loser.status, loser.reason),
        "False/NotAllowedByListeners"
    );
    assert!(
        loser.message.contains("GRPCRoute default/api"),
        "{}",
        loser.message
    );
    // No timestamps: both tie, and default/api sorts before default/web.
    let unstamped = run(&pair("", ""));
    assert_eq!(
        conditions(&route(&unstamped, "api").parents[0].conditions)[0],
        "Accepted=True/Accepted"
    );
    assert_eq!(
        conditions(&route(&unstamped, "web").parents[0].conditions)[0],
        "Accepted=False/NotAllowedByListeners"
    );
    assert_eq!(gateway(&unstamped, "g").listeners[0].attached_routes, 1);
}

/// §11.4: all rules with unknown values; some rules with unknown values.
#[test]
fn dropped_rules() {
    let listener = gw("g", "  - {name: h, port: 80, protocol: HTTP}\n");
    let one_bad = run(&format!("{listener}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs: [{{name: g}}]\n  rules:\n  - matches: [{{path: {{type: Glob, value: /a}}}}]\n  - matches: [{{path: {{value: /b}}}}]\n"));
    assert_eq!(
        conditions(&route(&one_bad, "r").parents[0].conditions),
        [
            "Accepted=True/Accepted",
            "ResolvedRefs=True/ResolvedRefs",
            "PartiallyInvalid=True/UnsupportedValue"
        ]
    );
    let all_bad = run(&format!("{listener}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs: [{{name: g}}]\n  rules:\n  - matches: [{{path: {{type: Glob, value: /a}}}}]\n"));
    assert_eq!(
        conditions(&route(&all_bad, "r").parents[0].conditions)[0],
        "Accepted=False/UnsupportedValue"
    );
    assert_eq!(gateway(&all_bad, "g").listeners[0].attached_routes, 0);
}

/// §11.4 with the positions of `docs/diagnostics.md`: each diagnostic about a
/// parentRef is at that parentRef's entry in `spec.parentRefs` (its document, line
/// and column), not at the list or at another entry: a Gateway not in the input
/// (step 1), no listener of that name or port (step 2), a listener that does not
/// take the kind (step 3) and no intersecting hostname (step 4), in flow and in
/// block style.
#[test]
fn s11_4_each_parent_ref_diagnostic_is_at_its_own_entry() {
    let http_route = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  hostnames: [b.example.com]
  parentRefs:
  - {name: web, sectionName: http}
  - {name: missing}
  - sectionName: nope
    name: web
  - {name: other, port: 9999}
  - {name: web, sectionName: tcp}
  - {name: web, sectionName: named}
";
    let yaml = format!(
        "{}{}{http_route}",
        gw("web", "  - {name: http, port: 80, protocol: HTTP}\n  - {name: tcp, port: 9000, protocol: TCP}\n  - {name: named, port: 8080, protocol: HTTP, hostname: a.example.com}\n"),
        gw("other", "  - {name: http, port: 80, protocol: HTTP}\n"),
    );
    let topology = run(&yaml);
    let at = |needle: &str| position_of(&yaml, needle);
    let field = |index: usize| format!("spec.parentRefs[{index}]");
    assert_eq!(
        positions(&topology, "gateway-parent-not-found"),
        [(field(1), at("{name: missing}"))]
    );
    assert_eq!(
        positions(&topology, "gateway-route-no-matching-parent"),
        [
            (field(2), at("sectionName: nope")),
            (field(3), at("{name: other, port: 9999}")),
        ]
    );
    assert_eq!(
        positions(&topology, "gateway-route-not-allowed"),
        [(field(4), at("{name: web, sectionName: tcp}"))]
    );
    assert_eq!(
        positions(&topology, "gateway-route-no-matching-hostname"),
        [(field(5), at("{name: web, sectionName: named}"))]
    );
    // The first entry attaches; the status follows the parentRefs with an entry.
    let parents: Vec<String> = route(&topology, "r")
        .parents
        .iter()
        .map(|p| conditions(&p.conditions)[0].clone())
        .collect();
    assert_eq!(
        parents,
        [
            "Accepted=True/Accepted",
            "Accepted=False/NoMatchingParent",
            "Accepted=False/NoMatchingParent",
            "Accepted=False/NotAllowedByListeners",
            "Accepted=False/NoMatchingListenerHostname",
        ]
    );
}
