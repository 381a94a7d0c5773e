//! §11.7 Backends, weights and ReferenceGrant: the checks on a backendRef in order,
//! grants for references across namespaces, the weighted split and the answer when
//! no backend can take the request, the port over the Route's transport, the place
//! of each backend diagnostic, and the proxy's connection straight to an endpoint,
//! with the vectors of upstream's conformance tests.

use std::collections::BTreeMap;

use kubetopo::engine::trace::{HopAction, Verdict};

use super::requests::{
    address, base, gateway, http_route, kubetopo_sample, outcome, run, send, Request, NS,
};
use super::status::{self, codes, conditions, gw, route};

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
        let topology = status::run(&format!(
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
    let unused = status::run(&format!(
        "{listener}{services}{wrong_grant}{}",
        http_route("{name: local, port: 80}")
    ));
    assert!(codes(&unused).contains(&"gateway-referencegrant-unused"));
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

/// §11.7 with the positions of `docs/diagnostics.md`: each invalid backendRef is
/// reported at its own entry in its rule's `backendRefs` (document, line and
/// column), in block and in flow style: a Service not in the input, a port the
/// Service lacks, an ExternalName Service and another namespace without a grant.
#[test]
fn s11_7_each_backend_diagnostic_is_at_its_own_backend_ref() {
    let yaml = format!(
        "{}apiVersion: v1
kind: Service
metadata: {{name: local}}
spec:
  selector: {{app: local}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: ext}}
spec:
  type: ExternalName
  externalName: example.org
---
apiVersion: v1
kind: Service
metadata: {{name: s, namespace: other}}
spec:
  selector: {{app: s}}
  ports: [{{port: 80}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: r}}
spec:
  parentRefs: [{{name: web}}]
  rules:
  - backendRefs:
    - name: local
      port: 80
    - name: nope
      port: 80
  - matches: [{{path: {{value: /b}}}}]
    backendRefs:
    - {{name: local, port: 8080}}
    - {{name: ext, port: 80}}
    - {{name: s, namespace: other, port: 80}}
",
        gw("web", "  - {name: http, port: 80, protocol: HTTP}\n")
    );
    let topology = status::run(&yaml);
    let at = |needle: &str| status::position_of(&yaml, needle);
    assert_eq!(
        status::positions(&topology, "gateway-backend-not-found"),
        [
            ("spec.rules[0].backendRefs[1]".to_string(), at("name: nope")),
            (
                "spec.rules[1].backendRefs[0]".to_string(),
                at("{name: local, port: 8080}")
            ),
        ]
    );
    assert_eq!(
        status::positions(&topology, "gateway-backend-invalid-kind"),
        [(
            "spec.rules[1].backendRefs[1]".to_string(),
            at("{name: ext, port: 80}")
        )]
    );
    assert_eq!(
        status::positions(&topology, "gateway-backend-ref-not-permitted"),
        [(
            "spec.rules[1].backendRefs[2]".to_string(),
            at("{name: s, namespace: other, port: 80}")
        )]
    );
    // The valid backendRef is not reported as invalid.
    assert!(!topology
        .diagnostics
        .iter()
        .any(|d| d.field == "spec.rules[0].backendRefs[0]"
            && d.code.starts_with("gateway-backend-")
            && d.code != "gateway-backend-no-endpoints"));
}

/// §11.7: a backendRef's port is the Service port of that number over the Route's
/// transport, UDP for a UDPRoute and TCP for the other kinds: a UDPRoute to a
/// Service whose port 53 is only TCP, or a TCPRoute to one whose port 53 is only
/// UDP, finds no port (BackendNotFound, and the message says which protocol the
/// port has); a Service with port 53 over both serves either.
#[test]
fn s11_7_a_backend_port_is_taken_over_the_routes_transport() {
    let service = |name: &str, ports: &str| {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: dns}}\n  ports: {ports}\n---\n")
    };
    let l4_route = |kind: &str, name: &str, section: &str, backend: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  parentRefs: [{{name: g, sectionName: {section}}}]\n  rules: [{{backendRefs: [{{name: {backend}, port: 53}}]}}]\n---\n")
    };
    let topology = status::run(&format!(
        "{}{}{}{}{}{}{}{}",
        gw(
            "g",
            "  - {name: udp, port: 53, protocol: UDP}\n  - {name: tcp, port: 53, protocol: TCP}\n"
        ),
        service("tcp-only", "[{name: dns-tcp, port: 53, protocol: TCP}]"),
        service("udp-only", "[{name: dns, port: 53, protocol: UDP}]"),
        service(
            "both",
            "[{name: dns-tcp, port: 53, protocol: TCP}, {name: dns, port: 53, protocol: UDP}]"
        ),
        l4_route("UDPRoute", "udp-to-tcp-only", "udp", "tcp-only"),
        l4_route("UDPRoute", "udp-to-both", "udp", "both"),
        l4_route("TCPRoute", "tcp-to-udp-only", "tcp", "udp-only"),
        l4_route("TCPRoute", "tcp-to-both", "tcp", "both"),
    ));
    let problem = |name: &str| route(&topology, name).rules[0].backends[0].problem;
    assert_eq!(problem("udp-to-tcp-only"), Some("BackendNotFound"));
    assert_eq!(problem("tcp-to-udp-only"), Some("BackendNotFound"));
    assert_eq!(problem("udp-to-both"), None);
    assert_eq!(problem("tcp-to-both"), None);
    let messages: Vec<&str> = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "gateway-backend-not-found")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains(
            "Service default/tcp-only has port 53 only over TCP, and a UDPRoute reaches its backends over UDP"
        )),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains(
            "Service default/udp-only has port 53 only over UDP, and a TCPRoute reaches its backends over TCP"
        )),
        "{messages:#?}"
    );
}
