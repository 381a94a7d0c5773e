//! §11.1 Kinds, versions and defaults: the served versions of each kind, the
//! defaults the API server fills in, and what it refuses, each diagnostic at its
//! line; a duplicate object, and the line every Gateway API diagnostic points at.

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::model::*;
use kubetopo::engine::ingest::SourceFile;

use super::reading::run;

fn object(kind: &str, version: &str) -> String {
    let spec = match kind {
        "GatewayClass" => "spec: {controllerName: example.net/gw}\n",
        "Gateway" => "spec:\n  gatewayClassName: c\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n",
        "ReferenceGrant" => "spec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: a}]\n  to: [{group: \"\", kind: Service}]\n",
        "TLSRoute" => "spec:\n  hostnames: [a.example.com]\n  rules: [{backendRefs: [{name: s, port: 443}]}]\n",
        _ => "spec:\n  rules: [{backendRefs: [{name: s, port: 80}]}]\n",
    };
    format!("apiVersion: gateway.networking.k8s.io/{version}\nkind: {kind}\nmetadata: {{name: x}}\n{spec}")
}

/// §11.1: every served version of every kind is read; other versions are refused.
#[test]
fn every_served_version_is_read_and_others_are_refused() {
    let served: &[(&str, &[&str], &[&str])] = &[
        ("GatewayClass", &["v1", "v1beta1"], &["v1alpha2"]),
        ("Gateway", &["v1", "v1beta1"], &["v1alpha2", "v2"]),
        ("HTTPRoute", &["v1", "v1beta1"], &["v1alpha2"]),
        ("GRPCRoute", &["v1", "v1alpha2"], &["v1beta1"]),
        (
            "ReferenceGrant",
            &["v1", "v1beta1", "v1alpha2"],
            &["v1alpha1"],
        ),
        ("TLSRoute", &["v1", "v1alpha3", "v1alpha2"], &["v1beta1"]),
        ("TCPRoute", &["v1", "v1alpha2"], &["v1beta1"]),
        ("UDPRoute", &["v1", "v1alpha2"], &["v1beta1"]),
    ];
    for (kind, good, bad) in served {
        for version in *good {
            let topology = run(&object(kind, version));
            let gateway = &topology.manifests.gateway;
            let n = gateway.classes.len()
                + gateway.gateways.len()
                + gateway.routes.len()
                + gateway.grants.len();
            assert_eq!(n, 1, "{kind} {version}: {:?}", topology.diagnostics);
            assert!(
                topology.diagnostics.iter().all(|d| d.code != "ignored-kind"
                    && d.code != "gateway-unserved-version"
                    && d.code != "gateway-invalid-spec"),
                "{kind} {version}: {:?}",
                topology.diagnostics
            );
        }
        for version in *bad {
            let topology = run(&object(kind, version));
            let diagnostic = topology
                .diagnostics
                .iter()
                .find(|d| d.code == "gateway-unserved-version");
            let diagnostic = diagnostic
                .unwrap_or_else(|| panic!("{kind} {version}: {:?}", topology.diagnostics));
            assert_eq!(
                (diagnostic.source.line, diagnostic.field.as_str()),
                (1, "apiVersion")
            );
            assert!(topology.manifests.gateway.is_empty());
        }
    }
}

/// §11.1: a kind of the same name in another group is not Gateway API.
#[test]
fn an_istio_gateway_is_not_a_gateway_api_gateway() {
    let topology = run("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: x}\nspec: {selector: {istio: ingressgateway}}\n");
    assert!(topology.manifests.gateway.is_empty());
    assert!(topology
        .diagnostics
        .iter()
        .any(|d| d.code == "ignored-kind"));
}

/// §11.1: the API server's defaults are applied while reading.
#[test]
fn defaults_are_applied() {
    let yaml = "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: infra}
spec:
  gatewayClassName: c
  addresses: [{value: 192.0.2.9}]
  listeners:
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: cert}]}}
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes: {kinds: [{kind: HTTPRoute}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps}
spec:
  parentRefs: [{name: g}]
  rules:
  - matches: [{headers: [{name: x, value: y}]}]
    backendRefs: [{name: s, port: 80}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: empty, namespace: apps}
spec:
  parentRefs: [{name: g, namespace: infra}]
";
    let topology = run(yaml);
    let gateway = &topology.manifests.gateway.gateways[0];
    assert_eq!(gateway.addresses[0].address_type, "IPAddress");
    assert_eq!(gateway.listeners[0].tls_mode.as_deref(), Some("Terminate"));
    assert_eq!(gateway.listeners[0].certificate_refs[0].namespace, "infra");
    assert_eq!(gateway.listeners[0].certificate_refs[0].kind, "Secret");
    assert_eq!(
        gateway.listeners[1].allowed_namespaces,
        FromNamespaces::Same
    );
    assert_eq!(gateway.listeners[1].allowed_kinds[0].group, GROUP);
    // The first route is refused (RequestRedirect with backendRefs), so only `empty` is read.
    let routes = &topology.manifests.gateway.routes;
    assert_eq!(routes.len(), 1, "{:?}", topology.diagnostics);
    let empty = &routes[0];
    assert_eq!(empty.parent_refs[0].group, GROUP);
    assert_eq!(empty.parent_refs[0].kind, "Gateway");
    assert_eq!(empty.rules.len(), 1);
    match &empty.rules[0].matches[..] {
        [RouteMatch::Http(http)] => {
            assert_eq!(
                http.path,
                PathMatch {
                    kind: MatchKind::PathPrefix,
                    value: "/".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    let rejection = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-invalid-spec")
        .unwrap();
    assert_eq!((rejection.source.document, rejection.source.line), (2, 22));

    let route = run("apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
  - matches: [{headers: [{name: x, value: y}], queryParams: [{name: q, value: v}]}]
    backendRefs: [{name: s, port: 80}]
    filters: [{type: RequestMirror, requestMirror: {backendRef: {name: m, port: 80}}}]
  - filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]
");
    let route = &route.manifests.gateway.routes[0];
    let RouteMatch::Http(http) = &route.rules[0].matches[0] else {
        panic!()
    };
    assert_eq!(http.path.kind, MatchKind::PathPrefix);
    assert_eq!(http.headers[0].kind, MatchKind::Exact);
    assert_eq!(http.query_params[0].kind, MatchKind::Exact);
    let backend = &route.rules[0].backend_refs[0];
    assert_eq!(
        (
            backend.group.as_str(),
            backend.kind.as_str(),
            backend.namespace.as_str(),
            backend.weight
        ),
        ("", "Service", "default", 1)
    );
    match &route.rules[1].filters[0] {
        Filter::RequestRedirect(redirect) => assert_eq!(redirect.status_code, 302),
        other => panic!("{other:?}"),
    }
}

/// §11.1: what the API server refuses, each at its own line, and the object is left out.
/// A backendRef's own list of filters (§11.8) is checked as a rule's is.
#[test]
fn api_server_rejections_point_at_the_field() {
    let cases: &[(&str, &str, usize)] = &[
        ("two listeners named alike", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {name: a, port: 80, protocol: HTTP}\n  - {name: a, port: 81, protocol: HTTP}\n", 8),
        ("tls on HTTP", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners:\n  - name: a\n    port: 80\n    protocol: HTTP\n    tls: {certificateRefs: [{name: c}]}\n", 10),
        ("HTTPS without tls", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {name: a, port: 443, protocol: HTTPS}\n", 7),
        ("hostname on TCP", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners:\n  - name: a\n    port: 5432\n    protocol: TCP\n    hostname: db.example.com\n", 10),
        ("port 0", "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners:\n  - name: a\n    port: 0\n    protocol: HTTP\n", 8),
        ("an IP as hostname", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  hostnames:\n  - 192.0.2.1\n", 6),
        ("a wildcard in the middle", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  hostnames:\n  - a.*.example.com\n", 6),
        ("v1 TCPRoute with two rules", "apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs: [{name: a, port: 1}]\n  - backendRefs: [{name: b, port: 1}]\n", 6),
        ("a Service backend without a port", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs:\n    - name: s\n", 7),
        ("ReplacePrefixMatch on an Exact match", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{path: {type: Exact, value: /a}}]\n    filters:\n    - type: URLRewrite\n      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}\n    backendRefs: [{name: s, port: 80}]\n", 8),
        ("a path with //", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: //a}\n", 7),
        ("a TLSRoute without hostnames", "apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs: [{name: s, port: 443}]\n", 5),
        ("two header modifiers on one backendRef", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs:\n    - name: s\n      port: 80\n      filters:\n      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}]}}\n      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: c, value: d}]}}\n", 10),
        ("a redirect with a rewrite on one backendRef", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs:\n    - name: s\n      port: 80\n    - name: t\n      port: 80\n      filters:\n      - {type: URLRewrite, urlRewrite: {hostname: a.example}}\n      - {type: RequestRedirect, requestRedirect: {hostname: b.example}}\n", 12),
        ("two refs to one parent", "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs:\n  - name: g\n  - name: g\n", 7),
    ];
    for (what, yaml, line) in cases {
        let topology = run(yaml);
        let found: Vec<_> = topology
            .diagnostics
            .iter()
            .filter(|d| d.code == "gateway-invalid-spec")
            .collect();
        assert!(!found.is_empty(), "{what}: {:?}", topology.diagnostics);
        assert!(
            found.iter().any(|d| d.source.line == *line),
            "{what}: expected line {line}, got {:?}",
            found
                .iter()
                .map(|d| (d.source.line, &d.message))
                .collect::<Vec<_>>()
        );
        assert!(
            topology.manifests.gateway.gateways.is_empty()
                && topology.manifests.gateway.routes.is_empty(),
            "{what}: the object must be left out"
        );
    }
}

/// §11.1 and the ingest rules of §10.1: a wrong type is reported at its line and the
/// rest of the object is still read.
#[test]
fn a_wrong_type_is_reported_at_its_line_and_the_rest_is_kept() {
    let topology = run("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  hostnames: shop.example.com\n  parentRefs: [{name: g}]\n");
    let wrong = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "field-type")
        .expect("field-type");
    assert_eq!(
        (wrong.source.line, wrong.field.as_str()),
        (5, "spec.hostnames")
    );
    assert_eq!(
        topology.manifests.gateway.routes[0].parent_refs[0].name,
        "g"
    );
}

/// Duplicate Gateway API objects: the later one replaces the earlier (§10.1).
#[test]
fn a_duplicate_route_replaces_the_earlier_one() {
    let one = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {hostnames: [a.example.com]}\n";
    let two = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {hostnames: [b.example.com]}\n";
    let topology = run(&format!("{one}---\n{two}"));
    assert_eq!(topology.manifests.gateway.routes.len(), 1);
    assert_eq!(
        topology.manifests.gateway.routes[0].hostnames,
        ["b.example.com"]
    );
    assert!(topology
        .diagnostics
        .iter()
        .any(|d| d.code == "duplicate-object"));
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
