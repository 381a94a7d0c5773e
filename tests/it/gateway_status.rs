//! Gateway API status (§11.2 to §11.4, §11.7, §11.11): listeners and conflicts,
//! Route attachment, backends and ReferenceGrants, with the vectors of upstream's
//! conformance tests.

use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::hostname;
use kubetopo::engine::gateway::status::{Condition, ResolvedGateway, ResolvedRoute};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::{analyze, Topology};

const CLASS: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.net/gw}\n---\n";

fn run(yaml: &str) -> Topology {
    analyze(
        &[SourceFile::new("gw.yaml", format!("{CLASS}{yaml}"))],
        &Config::default(),
    )
}

fn gateway<'t>(topology: &'t Topology, name: &str) -> &'t ResolvedGateway {
    topology
        .gateway
        .gateways
        .iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no Gateway {name}"))
}

fn route<'t>(topology: &'t Topology, name: &str) -> &'t ResolvedRoute {
    topology
        .gateway
        .routes
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no Route {name}"))
}

/// `Type=Status/Reason` for each condition, as a controller would write them.
fn conditions(conditions: &[Condition]) -> Vec<String> {
    conditions
        .iter()
        .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
        .collect()
}

fn codes(topology: &Topology) -> Vec<&'static str> {
    topology.diagnostics.iter().map(|d| d.code).collect()
}

fn gw(name: &str, listeners: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: {name}}}\nspec:\n  gatewayClassName: c\n  listeners:\n{listeners}---\n")
}

/// §11.3, the unsupported-protocol vector: one INVALID listener, then with an HTTP one.
#[test]
fn an_unsupported_protocol_invalidates_the_listener_and_maybe_the_gateway() {
    let alone = run(&gw("g", "  - {name: bad, port: 80, protocol: INVALID}\n"));
    let g = gateway(&alone, "g");
    assert_eq!(
        conditions(&g.conditions)[0],
        "Accepted=False/ListenersNotValid"
    );
    assert_eq!(
        conditions(&g.listeners[0].conditions)[0],
        "Accepted=False/UnsupportedProtocol"
    );
    assert!(g.listeners[0].supported_kinds.is_empty());
    assert_eq!(g.listeners[0].attached_routes, 0);
    assert!(codes(&alone).contains(&"gateway-listener-unsupported-protocol"));

    let with_http = run(&gw("g", "  - {name: bad, port: 80, protocol: INVALID}\n  - {name: http, port: 8080, protocol: HTTP}\n"));
    let g = gateway(&with_http, "g");
    assert_eq!(
        conditions(&g.conditions)[0],
        "Accepted=True/ListenersNotValid"
    );
    assert_eq!(
        conditions(&g.listeners[1].conditions)[0],
        "Accepted=True/Accepted"
    );
    let kinds: Vec<&str> = g.listeners[1]
        .supported_kinds
        .iter()
        .map(|k| k.kind)
        .collect();
    assert!(kinds.contains(&"HTTPRoute"), "{kinds:?}");
}

/// §11.3: conflicts per port; no winner is picked.
#[test]
fn listener_conflicts() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("HTTP and TCP on one port", "  - {name: http, port: 80, protocol: HTTP}\n  - {name: tcp, port: 80, protocol: TCP}\n", &["ProtocolConflict", "ProtocolConflict"]),
        ("HTTP and HTTPS on one port", "  - {name: http, port: 80, protocol: HTTP}\n  - {name: https, port: 80, protocol: HTTPS, tls: {certificateRefs: [{name: s}]}}\n", &["ProtocolConflict", "ProtocolConflict"]),
        ("HTTPS and TLS, same hostname", "  - {name: a, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: s}]}}\n  - {name: b, port: 443, protocol: TLS, hostname: a.example.com, tls: {mode: Passthrough}}\n", &["HostnameConflict", "HostnameConflict"]),
        ("HTTPS and TLS, other hostnames", "  - {name: a, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: s}]}}\n  - {name: b, port: 443, protocol: TLS, hostname: b.example.com, tls: {mode: Passthrough}}\n", &["NoConflicts", "NoConflicts"]),
        ("UDP shares a port number", "  - {name: dns, port: 53, protocol: UDP}\n  - {name: tcp, port: 53, protocol: TCP}\n", &["NoConflicts", "NoConflicts"]),
        ("HTTP on two hostnames", "  - {name: a, port: 80, protocol: HTTP, hostname: a.example.com}\n  - {name: b, port: 80, protocol: HTTP, hostname: b.example.com}\n", &["NoConflicts", "NoConflicts"]),
    ];
    for (what, listeners, expected) in cases {
        let topology = run(&gw("g", listeners));
        let g = gateway(&topology, "g");
        let got: Vec<&str> = g
            .listeners
            .iter()
            .map(|l| {
                l.conditions
                    .iter()
                    .find(|c| c.condition_type == "Conflicted")
                    .unwrap()
                    .reason
            })
            .collect();
        assert_eq!(&got, expected, "{what}");
        if expected[0] != "NoConflicts" {
            // The listener-protocol-conflict vector: Accepted, Programmed and Conflicted all carry the reason.
            let listener = conditions(&g.listeners[0].conditions);
            assert_eq!(
                listener[0],
                format!("Accepted=False/{}", expected[0]),
                "{what}"
            );
            assert_eq!(
                listener[1],
                format!("Programmed=False/{}", expected[0]),
                "{what}"
            );
            assert_eq!(
                listener[3],
                format!("Conflicted=True/{}", expected[0]),
                "{what}"
            );
            assert!(
                codes(&topology).contains(&"gateway-listener-conflict"),
                "{what}"
            );
        }
    }
}

/// §11.3: overlapping TLS hostnames on one port are reported, and only then.
#[test]
fn overlapping_tls_hostnames() {
    let topology = run(&gw("g", "  - {name: wild, port: 443, protocol: HTTPS, hostname: \"*.example.com\", tls: {certificateRefs: [{name: s}]}}\n  - {name: a, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: s}]}}\n  - {name: other, port: 443, protocol: HTTPS, hostname: b.example.org, tls: {certificateRefs: [{name: s}]}}\n"));
    let g = gateway(&topology, "g");
    let overlapping: Vec<bool> = g
        .listeners
        .iter()
        .map(|l| {
            l.conditions
                .iter()
                .any(|c| c.condition_type == "OverlappingTLSConfig")
        })
        .collect();
    assert_eq!(overlapping, [true, true, false]);
}

/// §11.3: allowedRoutes.kinds that the protocol cannot take; the passthrough vector.
#[test]
fn invalid_route_kinds_are_left_out_and_reported() {
    let topology = run(&gw("g", "  - name: tls\n    port: 443\n    protocol: TLS\n    tls: {mode: Passthrough}\n    allowedRoutes: {kinds: [{kind: TCPRoute}, {kind: TLSRoute}]}\n"));
    let listener = &gateway(&topology, "g").listeners[0];
    let kinds: Vec<&str> = listener.supported_kinds.iter().map(|k| k.kind).collect();
    assert_eq!(kinds, ["TLSRoute"]);
    assert_eq!(
        conditions(&listener.conditions)[2],
        "ResolvedRefs=False/InvalidRouteKinds"
    );
    assert!(codes(&topology).contains(&"gateway-listener-invalid-route-kinds"));
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

/// §11.3: allowedRoutes namespaces, Same, All and Selector on the metadata.name label.
#[test]
fn allowed_namespaces() {
    let listeners = "  - {name: same, port: 80, protocol: HTTP}\n  - {name: all, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}\n  - {name: team, port: 82, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: a}}}}}\n  - {name: byname, port: 83, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: apps}}}}}\n";
    let namespaces =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {team: a}}\n---\n";
    let route_in = |ns: &str, section: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r-{section}, namespace: {ns}}}\nspec:\n  parentRefs: [{{name: g, namespace: default, sectionName: {section}}}]\n---\n")
    };
    let cases = [
        ("default", "same", true),
        ("apps", "same", false),
        ("apps", "all", true),
        ("team-a", "team", true),
        ("apps", "team", false),
        ("apps", "byname", true),
        ("team-a", "byname", false),
    ];
    for (ns, section, expected) in cases {
        let topology = run(&format!(
            "{namespaces}{}{}",
            gw("g", listeners),
            route_in(ns, section)
        ));
        let status = conditions(&route(&topology, &format!("r-{section}")).parents[0].conditions);
        assert_eq!(
            status[0] == "Accepted=True/Accepted",
            expected,
            "{ns} via {section}: {status:?}"
        );
    }
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

/// §11.7: backend checks in order, and ReferenceGrant permitting cross-namespace refs.
#[test]
fn backend_references_and_grants() {
    let services = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: other}\nspec:\n  selector: {app: s}\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: local}\nspec:\n  selector: {app: s}\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec:\n  type: ExternalName\n  externalName: example.org\n---\n";
    let http_route = |backend: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs: [{{name: g}}]\n  rules:\n  - backendRefs: [{backend}]\n---\n")
    };
    let grant = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: allow, namespace: other}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]\n  to: [{group: \"\", kind: Service, name: s}]\n---\n";
    let wrong_grant = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: allow, namespace: other}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: default}]\n  to: [{group: \"\", kind: Service}]\n---\n";
    let listener = gw("g", "  - {name: h, port: 80, protocol: HTTP}\n");
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        ("same namespace", "{name: local, port: 80}", "", None),
        (
            "cross namespace, no grant",
            "{name: s, namespace: other, port: 80}",
            "",
            Some("RefNotPermitted"),
        ),
        (
            "cross namespace, granted",
            "{name: s, namespace: other, port: 80}",
            grant,
            None,
        ),
        (
            "grant for the wrong kind",
            "{name: s, namespace: other, port: 80}",
            wrong_grant,
            Some("RefNotPermitted"),
        ),
        (
            "missing and not permitted: not permitted first",
            "{name: nope, namespace: other, port: 80}",
            "",
            Some("RefNotPermitted"),
        ),
        (
            "another kind",
            "{group: example.net, kind: Bucket, name: b}",
            "",
            Some("InvalidKind"),
        ),
        (
            "ExternalName",
            "{name: ext, port: 80}",
            "",
            Some("InvalidKind"),
        ),
        (
            "missing Service",
            "{name: nope, port: 80}",
            "",
            Some("BackendNotFound"),
        ),
        (
            "missing port",
            "{name: local, port: 8080}",
            "",
            Some("BackendNotFound"),
        ),
    ];
    for (what, backend, extra, expected) in cases {
        let topology = run(&format!(
            "{listener}{services}{extra}{}",
            http_route(backend)
        ));
        let r = route(&topology, "r");
        assert_eq!(r.rules[0].backends[0].problem, *expected, "{what}");
        let resolved_refs = &r.parents[0].conditions[1];
        assert_eq!(resolved_refs.condition_type, "ResolvedRefs");
        assert_eq!(
            resolved_refs.reason,
            expected.unwrap_or("ResolvedRefs"),
            "{what}"
        );
        // Backends never affect acceptance.
        assert_eq!(
            conditions(&r.parents[0].conditions)[0],
            "Accepted=True/Accepted",
            "{what}"
        );
    }
    let unused = run(&format!(
        "{listener}{services}{wrong_grant}{}",
        http_route("{name: local, port: 80}")
    ));
    assert!(codes(&unused).contains(&"gateway-referencegrant-unused"));
}

/// §11.2: a class missing from the input leaves the Gateway Pending, with no data plane.
#[test]
fn a_gateway_without_its_class_stays_pending() {
    let topology = analyze(
        &[SourceFile::new(
            "gw.yaml",
            gw("g", "  - {name: h, port: 80, protocol: HTTP}\n"),
        )],
        &Config::default(),
    );
    let g = gateway(&topology, "g");
    assert_eq!(
        conditions(&g.conditions),
        ["Accepted=Unknown/Pending", "Programmed=Unknown/Pending"]
    );
    assert!(g.proxy_service.is_none() && g.addresses.is_empty());
    assert!(topology.services.is_empty());
    assert!(codes(&topology).contains(&"gateway-class-not-found"));
}

/// §11.2: the simulated data plane, its address, and a user's own proxy Service.
#[test]
fn the_data_plane_and_its_address() {
    let requested = run(&gw(
        "g",
        "  - {name: h, port: 80, protocol: HTTP}\n  - {name: dns, port: 53, protocol: UDP}\n",
    )
    .replace(
        "gatewayClassName: c\n",
        "gatewayClassName: c\n  addresses: [{value: 203.0.113.50}]\n",
    ));
    let g = gateway(&requested, "g");
    assert_eq!(g.addresses[0].value, "203.0.113.50");
    assert_eq!(
        conditions(&g.conditions),
        ["Accepted=True/Accepted", "Programmed=True/Programmed"]
    );
    let proxy = requested
        .services
        .iter()
        .find(|s| s.name == "g-c")
        .expect("g-c");
    let ports: Vec<String> = proxy
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect();
    assert_eq!(ports, ["53/UDP", "80/TCP"]);
    assert_eq!(proxy.endpoints.len(), 1);

    let own = run(&format!("{}apiVersion: v1\nkind: Service\nmetadata: {{name: my-proxy, labels: {{gateway.networking.k8s.io/gateway-name: g}}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: proxy}}\n  ports: [{{port: 80}}]\n", gw("g", "  - {name: h, port: 80, protocol: HTTP}\n")));
    let g = gateway(&own, "g");
    assert_eq!(g.proxy_service.as_ref().unwrap().name, "my-proxy");
    assert!(!g.proxy_simulated);
    assert!(own.services.iter().all(|s| s.name != "g-c"));

    let hostname_address = run(
        &gw("g", "  - {name: h, port: 80, protocol: HTTP}\n").replace(
            "gatewayClassName: c\n",
            "gatewayClassName: c\n  addresses: [{type: Hostname, value: lb.example.com}]\n",
        ),
    );
    assert_eq!(
        conditions(&gateway(&hostname_address, "g").conditions)[0],
        "Accepted=False/UnsupportedAddress"
    );
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

/// Every diagnostic of these inputs has a line (§11; the diagnostics invariant).
#[test]
fn every_gateway_diagnostic_points_at_a_line() {
    let topology = analyze(
        &[SourceFile::new(
            "gateway-canary.yaml",
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/samples/gateway-canary.yaml"
            ))
            .unwrap(),
        )],
        &Config::default(),
    );
    for diagnostic in topology
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("gateway-"))
    {
        assert!(
            diagnostic.source.line > 0 && diagnostic.source.document > 0,
            "{diagnostic:?}"
        );
        assert!(!diagnostic.object.is_empty(), "{diagnostic:?}");
    }
}

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
    run(&format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web}}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {{name: http, port: 80, protocol: HTTP}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: a-old}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [{first_hostnames}]\n  rules:\n{first_rules}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: b-new}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [{second_hostnames}]\n  rules:\n  - matches: [{{path: {{value: /other}}}}]\n{second_rules}"
    ))
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
    let everywhere = run(&format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web}}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {{name: http, port: 80, protocol: HTTP}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: a-old}}\nspec:\n  parentRefs: [{{name: web}}]\n  hostnames: [shop.example.com]\n  rules:\n{catch_all}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: b-new}}\nspec:\n  parentRefs: [{{name: web}}]\n  rules:\n  - matches: [{{path: {{value: /api}}}}]\n"
    ));
    assert!(shadowed_by_route(&everywhere).is_empty());
}
