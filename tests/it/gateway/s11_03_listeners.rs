//! §11.3 Listeners: the Route kinds each protocol takes, conflicts and overlapping
//! TLS hostnames on one port, the namespaces a listener allows, and the listener
//! chosen by SNI and Host with no fall-back to another, and the place of each
//! listener diagnostic, with the vectors of upstream's conformance tests.

use super::requests::{self, address, base, http_route, outcome, send, Request};
use super::status::{codes, conditions, gateway, gw, position_of, positions, route, run};

const HTTPS_LISTENERS: &str = "  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-hostname, port: 443, protocol: HTTPS, hostname: second-example.org, tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-wildcard-hostname, port: 443, protocol: HTTPS, hostname: \"*.wildcard.org\", tls: {certificateRefs: [{name: cert}]}}
  - {name: https-with-hostname-matching-wildcard, port: 443, protocol: HTTPS, hostname: fourth-example.wildcard.org, tls: {certificateRefs: [{name: cert}]}}
";

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

/// §11.3 and upstream's HTTPS listener test: the listener is chosen by SNI, and a
/// Route without hostnames on a hostname listener serves that hostname.
#[test]
fn https_listener_hostnames() {
    let yaml = format!(
        "{}{}{}{}",
        base(),
        requests::gateway("same-namespace-with-https-listener", HTTPS_LISTENERS),
        http_route("route-a", "  parentRefs: [{name: same-namespace-with-https-listener}]\n  hostnames: [example.org]\n  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]\n"),
        http_route("route-b", "  parentRefs: [{name: same-namespace-with-https-listener, sectionName: https-with-hostname}]\n  rules: [{backendRefs: [{name: infra-backend-v2, port: 8080}]}]\n"),
    );
    let topology = requests::run(&yaml);
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
        requests::gateway("gw", HTTPS_LISTENERS),
        route("a", "https", "  hostnames: [example.org]\n", "v1"),
        route("b", "https-with-hostname", "", "v2"),
        route("c", "https-with-wildcard-hostname", "", "v3"),
        route("d", "https-with-hostname-matching-wildcard", "", "v1"),
    );
    let topology = requests::run(&yaml);
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

/// §11.3: a listener's certificate in another namespace needs a ReferenceGrant
/// there from Gateways of the listener's namespace; a grant from HTTPRoutes does not
/// do, since every field of a grant must match.
#[test]
fn s11_3_a_certificate_in_another_namespace_needs_a_grant_from_gateways() {
    let listener = "  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert, namespace: certs}]}}\n";
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: cert, namespace: certs}\ntype: kubernetes.io/tls\n---\n";
    let grant = |from_kind: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {{name: allow, namespace: certs}}\nspec:\n  from: [{{group: gateway.networking.k8s.io, kind: {from_kind}, namespace: default}}]\n  to: [{{group: \"\", kind: Secret}}]\n---\n")
    };
    let resolved_refs = |grant: &str| {
        let topology = run(&format!("{secret}{grant}{}", gw("g", listener)));
        let condition = conditions(&gateway(&topology, "g").listeners[0].conditions)
            .into_iter()
            .find(|c| c.starts_with("ResolvedRefs="))
            .expect("ResolvedRefs");
        (
            condition,
            codes(&topology).contains(&"gateway-listener-bad-certificate"),
        )
    };
    assert_eq!(
        resolved_refs(""),
        ("ResolvedRefs=False/RefNotPermitted".to_string(), true)
    );
    assert_eq!(
        resolved_refs(&grant("HTTPRoute")),
        ("ResolvedRefs=False/RefNotPermitted".to_string(), true)
    );
    assert_eq!(
        resolved_refs(&grant("Gateway")),
        ("ResolvedRefs=True/ResolvedRefs".to_string(), false)
    );
}

/// §11.3: `from: Selector` without a selector matches no namespace: a warning at
/// `allowedRoutes.namespaces`, and not even a Route of the Gateway's own namespace
/// attaches.
#[test]
fn s11_3_from_selector_without_a_selector_allows_no_route() {
    let topology = run(&format!(
        "{}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs: [{{name: g}}]\n",
        gw(
            "g",
            "  - name: h\n    port: 80\n    protocol: HTTP\n    allowedRoutes:\n      namespaces: {from: Selector}\n"
        )
    ));
    assert!(codes(&topology).contains(&"gateway-selector-matches-nothing"));
    assert_eq!(
        conditions(&route(&topology, "r").parents[0].conditions)[0],
        "Accepted=False/NotAllowedByListeners"
    );
    assert_eq!(gateway(&topology, "g").listeners[0].attached_routes, 0);
}

/// §11.3, listener isolation, on the vectors of upstream's HTTP listener isolation
/// test: four HTTP listeners on port 80 (no hostname, `*.example.com`,
/// `*.foo.example.com`, `abc.foo.example.com`), each with one Route by
/// `sectionName` whose path names its listener. A request is routed only among the
/// Routes of the listener its Host chooses (the most specific hostname); a path only
/// another listener's Route matches is 404, with no fall-back to that listener, even
/// where the less specific listener's hostname covers the Host too.
#[test]
fn s11_3_http_listeners_are_isolated() {
    let listeners = "  - {name: empty-hostname, port: 80, protocol: HTTP}\n  - {name: wildcard-example-com, port: 80, protocol: HTTP, hostname: \"*.example.com\"}\n  - {name: wildcard-foo-example-com, port: 80, protocol: HTTP, hostname: \"*.foo.example.com\"}\n  - {name: abc-foo-example-com, port: 80, protocol: HTTP, hostname: abc.foo.example.com}\n";
    let route = |section: &str, backend: &str| {
        http_route(section, &format!("  parentRefs: [{{name: gw, sectionName: {section}}}]\n  rules:\n  - matches: [{{path: {{type: PathPrefix, value: /{section}}}}}]\n    backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]\n"))
    };
    let topology = requests::run(&format!(
        "{}{}{}{}{}{}",
        base(),
        requests::gateway("gw", listeners),
        route("empty-hostname", "v1"),
        route("wildcard-example-com", "v2"),
        route("wildcard-foo-example-com", "v3"),
        route("abc-foo-example-com", "v1"),
    ));
    let url = |path: &str| format!("http://{}/{path}", address(&topology, "gw"));
    // (Host, the listener it chooses, the path its own Route serves)
    let hosts = [
        ("bar.com", "empty-hostname", "v1"),
        ("bar.example.com", "wildcard-example-com", "v2"),
        ("bar.foo.example.com", "wildcard-foo-example-com", "v3"),
        ("abc.foo.example.com", "abc-foo-example-com", "v1"),
    ];
    for (host, own, backend) in hosts {
        for (_, path, _) in hosts {
            let trace = send(
                &topology,
                &Request {
                    host: Some(host),
                    ..Request::get(&url(path))
                },
            );
            let http = trace.http.as_ref().expect("through the Gateway");
            assert_eq!(
                http.listener.as_deref(),
                Some(own),
                "Host {host}, /{path}: {}",
                trace.reason
            );
            let expected = if path == own { backend } else { "404" };
            assert_eq!(
                outcome(&trace),
                expected,
                "Host {host}, /{path}: {}",
                trace.reason
            );
        }
    }
    // The Host chooses the listener, and nothing else does: /wildcard-example-com/x
    // from specific.example.com (only `*.example.com` claims it) is served, and from
    // abc.foo.example.com, which `*.example.com` covers too but whose own listener
    // has no Route for that path, it is 404.
    let served = send(
        &topology,
        &Request {
            host: Some("specific.example.com"),
            ..Request::get(&url("wildcard-example-com/x"))
        },
    );
    assert_eq!(outcome(&served), "v2", "{}", served.reason);
    let isolated = send(
        &topology,
        &Request {
            host: Some("abc.foo.example.com"),
            ..Request::get(&url("wildcard-example-com/x"))
        },
    );
    assert_eq!(outcome(&isolated), "404", "{}", isolated.reason);
    assert!(
        isolated.reason.contains("abc-foo-example-com"),
        "the 404 names the chosen listener: {}",
        isolated.reason
    );
}

/// §11.3 with the positions of `docs/diagnostics.md`: `gateway-listener-conflict`
/// is reported once per conflicting listener, each at its own entry in
/// `spec.listeners` (document, line and column), in block and in flow style; the
/// listener alone on its port is not reported.
#[test]
fn s11_3_each_listener_conflict_is_at_its_own_listener() {
    let listeners = "  - name: web
    port: 8080
    protocol: HTTP
  - name: plain
    port: 80
    protocol: HTTP
  - name: raw
    port: 80
    protocol: TCP
  - {name: secure, port: 443, protocol: HTTPS, hostname: a.example.com, tls: {certificateRefs: [{name: cert}]}}
  - {name: passthrough, port: 443, protocol: TLS, hostname: a.example.com, tls: {mode: Passthrough}}
";
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: cert}}\n---\n{}",
        gw("g", listeners)
    );
    let topology = run(&yaml);
    let at = |needle: &str| position_of(&yaml, needle);
    assert_eq!(
        positions(&topology, "gateway-listener-conflict"),
        [
            ("spec.listeners[1]".to_string(), at("name: plain")),
            ("spec.listeners[2]".to_string(), at("name: raw")),
            ("spec.listeners[3]".to_string(), at("{name: secure")),
            ("spec.listeners[4]".to_string(), at("{name: passthrough")),
        ]
    );
    let conflicted: Vec<String> = gateway(&topology, "g")
        .listeners
        .iter()
        .map(|l| conditions(&l.conditions)[3].clone())
        .collect();
    assert_eq!(
        conflicted,
        [
            "Conflicted=False/NoConflicts",
            "Conflicted=True/ProtocolConflict",
            "Conflicted=True/ProtocolConflict",
            "Conflicted=True/HostnameConflict",
            "Conflicted=True/HostnameConflict",
        ]
    );
}

/// §11.3 with the positions of `docs/diagnostics.md`: a listener's certificateRef
/// that names a Secret not in the input is reported at its own entry in
/// `certificateRefs`, not at the list (whose first entry is a valid Secret).
#[test]
fn s11_3_a_bad_certificate_ref_is_at_its_own_entry() {
    let listeners = "  - name: https
    port: 443
    protocol: HTTPS
    tls:
      certificateRefs:
      - name: cert
      - name: missing-cert
";
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: cert}}\n---\n{}",
        gw("g", listeners)
    );
    let topology = run(&yaml);
    assert_eq!(
        positions(&topology, "gateway-listener-bad-certificate"),
        [(
            "spec.listeners[0].tls.certificateRefs[1]".to_string(),
            position_of(&yaml, "name: missing-cert")
        )]
    );
    assert_eq!(
        conditions(&gateway(&topology, "g").listeners[0].conditions)[2],
        "ResolvedRefs=False/InvalidCertificateRef"
    );
}
