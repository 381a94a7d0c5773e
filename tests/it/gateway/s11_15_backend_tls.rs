//! §11.15 BackendTLSPolicy: which Service ports the Gateway's proxy reaches over
//! TLS, the policy's status, its broken references, and the 500 a policy that
//! cannot be met gives.

use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::backend_tls::ResolvedBackendTlsPolicy;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::trace::{
    parse_destination, HopAction, HttpOptions, SeededChooser, Trace, TraceSource, Tracer, Verdict,
};
use kubetopo::engine::{analyze, Topology};

/// A Gateway with one HTTP listener, an HTTPRoute to `api` (port 443, named
/// `https`) and `web` (port 80), their pods, and `policy` appended.
fn with_policy(policy: &str) -> Topology {
    analyze_text(input_with(policy))
}

fn analyze_text(yaml: String) -> Topology {
    analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default())
}

/// The input of [`with_policy`], as text.
fn input_with(policy: &str) -> String {
    let mut yaml = String::from("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.net/gw}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: web}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: app}\nspec:\n  parentRefs: [{name: web}]\n  rules:\n  - matches: [{path: {value: /api}}]\n    backendRefs: [{name: api, port: 443}]\n  - backendRefs: [{name: site, port: 80}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\n---\n");
    for (name, port, port_name) in [("api", 443, "https"), ("site", 80, "http")] {
        yaml.push_str(&format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{name: {port_name}, port: {port}, targetPort: 8443}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: echo, ports: [{{containerPort: 8443}}]}}]}}\n---\n"));
    }
    yaml.push_str(policy);
    yaml
}

fn policy(targets: &str, validation: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {{name: api-tls}}\nspec:\n  targetRefs: {targets}\n  validation: {validation}\n")
}

fn get(topology: &Topology, path: &str) -> Trace {
    let address = &topology.gateway.gateways[0].addresses[0].value;
    let destination = parse_destination(&format!("http://{address}{path}")).expect("a URL");
    Tracer::new(topology).trace_http(
        &TraceSource::External {
            client_ip: "198.51.100.7".parse().unwrap(),
        },
        &destination,
        Protocol::Tcp,
        &HttpOptions {
            method: "GET".to_string(),
            headers: Vec::new(),
            host: Some("shop.example.com".to_string()),
            sni: None,
        },
        &mut SeededChooser::new(0),
    )
}

fn proxy_hop(trace: &Trace) -> String {
    trace
        .hops
        .iter()
        .find(|h| h.action == HopAction::Proxy)
        .map(|h| h.detail.clone())
        .unwrap_or_else(|| panic!("no proxy hop: {}", trace.reason))
}

fn the_policy(topology: &Topology) -> &ResolvedBackendTlsPolicy {
    &topology.gateway.backend_tls_policies[0]
}

fn conditions(policy: &ResolvedBackendTlsPolicy) -> Vec<String> {
    policy
        .conditions
        .iter()
        .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
        .collect()
}

fn codes(topology: &Topology) -> Vec<(&'static str, String, usize)> {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("gateway-backend-tls"))
        .map(|d| (d.code, d.field.clone(), d.source.line))
        .collect()
}

/// §11.15: a policy on the Service (or on its port, by name) makes the proxy hop
/// TLS, with the policy's hostname as SNI; another Service's hop is unchanged.
#[test]
fn s11_15_the_proxy_originates_tls_to_a_targeted_service_port() {
    for targets in [
        "[{group: \"\", kind: Service, name: api}]",
        "[{group: \"\", kind: Service, name: api, sectionName: https}]",
    ] {
        let topology = with_policy(&policy(
            targets,
            "{hostname: api.internal, caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}]}",
        ));
        assert_eq!(
            conditions(the_policy(&topology)),
            ["Accepted=True/Accepted", "ResolvedRefs=True/ResolvedRefs"],
            "{targets}"
        );
        assert!(codes(&topology).is_empty(), "{:?}", codes(&topology));
        let trace = get(&topology, "/api/x");
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        let hop = proxy_hop(&trace);
        assert!(
            hop.contains("over TLS (BackendTLSPolicy default/api-tls), SNI api.internal"),
            "{hop}"
        );
        let other = proxy_hop(&get(&topology, "/"));
        assert!(!other.contains("TLS"), "{other}");
    }
    // A policy on another port name does not apply.
    let topology = with_policy(&policy(
        "[{group: \"\", kind: Service, name: api, sectionName: admin}]",
        "{hostname: api.internal, wellKnownCACertificates: System}",
    ));
    assert!(!proxy_hop(&get(&topology, "/api")).contains("TLS"));
    let found = codes(&topology);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "gateway-backend-tls-target-not-found");
    assert_eq!(found[0].1, "spec.targetRefs[0]");
    assert!(found[0].2 > 0);
    assert_eq!(
        conditions(the_policy(&topology)),
        [
            "Accepted=False/TargetNotFound",
            "ResolvedRefs=True/ResolvedRefs"
        ]
    );
}

/// §11.15: a CA certificate ref to a missing ConfigMap is InvalidCACertificateRef,
/// one of another kind InvalidKind; with no valid CA the policy is not accepted,
/// the Route's backend is invalid (ResolvedRefs=False) and its share answers 500.
#[test]
fn s11_15_broken_ca_refs_make_the_backend_invalid() {
    for (reference, reason) in [
        (
            "{group: \"\", kind: ConfigMap, name: missing}",
            "InvalidCACertificateRef",
        ),
        ("{group: \"\", kind: Secret, name: ca}", "InvalidKind"),
    ] {
        let topology = with_policy(&policy(
            "[{group: \"\", kind: Service, name: api}]",
            &format!("{{hostname: api.internal, caCertificateRefs: [{reference}]}}"),
        ));
        assert_eq!(
            conditions(the_policy(&topology)),
            [
                "Accepted=False/NoValidCACertificate".to_string(),
                format!("ResolvedRefs=False/{reason}")
            ]
        );
        let mut found = codes(&topology);
        found.sort();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "gateway-backend-tls-bad-ca-ref");
        assert_eq!(found[0].1, "spec.validation.caCertificateRefs[0]");
        assert!(found[0].2 > 0 && found[1].2 > 0);
        assert_eq!(found[1].0, "gateway-backend-tls-policy-unmet");
        assert_eq!(found[1].1, "spec.rules[0].backendRefs[0]");
        let route = &topology.gateway.routes[0];
        assert_eq!(route.rules[0].backends[0].problem, Some(reason));
        assert!(route.parents[0]
            .conditions
            .iter()
            .any(|c| c.condition_type == "ResolvedRefs" && c.reason == reason));
        let trace = get(&topology, "/api");
        assert_eq!(
            trace.http.as_ref().and_then(|h| h.status),
            Some(500),
            "{}",
            trace.reason
        );
        // The other rule's backend is unaffected.
        assert_eq!(get(&topology, "/").verdict, Verdict::Delivered);
    }
    // One valid ref among broken ones: ResolvedRefs False, but the policy is met.
    let topology = with_policy(&policy(
        "[{group: \"\", kind: Service, name: api}]",
        "{hostname: api.internal, caCertificateRefs: [{group: \"\", kind: ConfigMap, name: missing}, {group: \"\", kind: ConfigMap, name: ca}]}",
    ));
    assert_eq!(
        conditions(the_policy(&topology)),
        [
            "Accepted=True/Accepted",
            "ResolvedRefs=False/InvalidCACertificateRef"
        ]
    );
    assert_eq!(get(&topology, "/api").verdict, Verdict::Delivered);
}

/// §11.1 and §11.15: both served versions are read; the API server refuses a
/// policy without a hostname, or with both or neither CA sources.
#[test]
fn s11_15_policies_are_read_from_every_served_version() {
    for version in ["v1", "v1alpha3"] {
        let yaml = policy(
            "[{group: \"\", kind: Service, name: api}]",
            "{hostname: api.internal, wellKnownCACertificates: System}",
        )
        .replace(
            "gateway.networking.k8s.io/v1\n",
            &format!("gateway.networking.k8s.io/{version}\n"),
        );
        let topology = with_policy(&yaml);
        assert_eq!(topology.gateway.backend_tls_policies.len(), 1, "{version}");
        assert!(!topology
            .diagnostics
            .iter()
            .any(|d| d.code == "ignored-kind" && d.object.starts_with("BackendTLSPolicy")));
    }
    for validation in [
        "{caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}]}",
        "{hostname: api.internal}",
        "{hostname: api.internal, wellKnownCACertificates: System, caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}]}",
    ] {
        let topology = with_policy(&policy("[{group: \"\", kind: Service, name: api}]", validation));
        assert!(topology.gateway.backend_tls_policies.is_empty(), "{validation}");
        assert!(
            topology.diagnostics.iter().any(|d| d.code == "gateway-invalid-spec" && d.source.line > 0),
            "{validation}"
        );
    }
}

/// §11.7 and §11.15: a Service port with `appProtocol: kubernetes.io/wss` speaks
/// TLS, so an HTTPRoute reaches it only under a BackendTLSPolicy on that port.
/// Without one the backend is `UnsupportedProtocol` and its requests answer 500;
/// with one it is valid and the proxy hop is TLS.
#[test]
fn s11_15_an_http_route_reaches_a_wss_port_only_under_a_backend_tls_policy() {
    let wss = |policy_text: &str| {
        analyze_text(input_with(policy_text).replace(
            "port: 443, targetPort",
            "port: 443, appProtocol: kubernetes.io/wss, targetPort",
        ))
    };
    let unsupported = |topology: &Topology| {
        topology
            .diagnostics
            .iter()
            .any(|d| d.code == "gateway-backend-unsupported-protocol")
    };

    let without = wss("");
    assert!(unsupported(&without), "{:?}", without.diagnostics);
    let trace = get(&without, "/api/x");
    assert_eq!(
        trace.http.as_ref().unwrap().status,
        Some(500),
        "{}",
        trace.reason
    );

    let with = wss(&policy(
        "[{group: \"\", kind: Service, name: api, sectionName: https}]",
        "{hostname: api.internal, wellKnownCACertificates: System}",
    ));
    assert!(!unsupported(&with), "{:?}", with.diagnostics);
    let trace = get(&with, "/api/x");
    assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
    assert!(proxy_hop(&trace).contains("over TLS (BackendTLSPolicy default/api-tls)"));
}

/// A Gateway `gw` with a `Terminate` listener `ends` (ends.example.com) and a
/// `Passthrough` listener `through` (through.example.com) on port 443; a TLSRoute
/// `r` with `parent_refs` for both hostnames, to `backend_refs`; and a
/// BackendTLSPolicy on infra-backend-v1 that cannot be met (its only CA ref names
/// a missing ConfigMap).
fn unmet_policy_on_tls_route(parent_refs: &str, backend_refs: &str) -> Topology {
    use super::requests::{base, gateway, run, NS};
    let listeners = "  - {name: ends, port: 443, protocol: TLS, hostname: ends.example.com, tls: {mode: Terminate, certificateRefs: [{name: cert}]}}\n  - {name: through, port: 443, protocol: TLS, hostname: through.example.com, tls: {mode: Passthrough}}\n";
    let route = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {{name: r, namespace: {NS}}}\nspec:\n  parentRefs: {parent_refs}\n  hostnames: [ends.example.com, through.example.com]\n  rules: [{{backendRefs: {backend_refs}}}]\n---\n");
    let policy = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {{name: reencrypt, namespace: {NS}}}\nspec:\n  targetRefs: [{{group: \"\", kind: Service, name: infra-backend-v1}}]\n  validation: {{hostname: backend.internal, caCertificateRefs: [{{group: \"\", kind: ConfigMap, name: missing}}]}}\n---\n");
    run(&format!(
        "{}{}{route}{policy}",
        base(),
        gateway("gw", listeners)
    ))
}

/// A TLS connection to `gw` with the SNI given.
fn tls_to(topology: &Topology, sni: &str) -> Trace {
    use super::requests::{address, send, Request};
    let url = format!("https://{}/", address(topology, "gw"));
    send(
        topology,
        &Request {
            sni: Some(sni),
            ..Request::get(&url)
        },
    )
}

/// `Type=Status/Reason` of each parent's conditions, by sectionName.
fn parent_conditions(topology: &Topology) -> Vec<(Option<String>, Vec<String>)> {
    topology.gateway.routes[0]
        .parents
        .iter()
        .map(|p| {
            let conditions = p
                .conditions
                .iter()
                .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
                .collect();
            (p.section_name.clone(), conditions)
        })
        .collect()
}

fn unmet_diagnostics(topology: &Topology) -> usize {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "gateway-backend-tls-policy-unmet")
        .count()
}

/// §11.15 and §11.9: under `tls.mode: Passthrough` the proxy originates no TLS,
/// so a BackendTLSPolicy that cannot be met does not apply to a TLSRoute attached
/// only there: the Route stays Accepted with ResolvedRefs True, its backend is
/// valid, no `gateway-backend-tls-policy-unmet` is reported, and the connection
/// reaches the backend with the client's own TLS. The policy's own status still
/// says it cannot be met.
#[test]
fn s11_15_an_unmet_policy_does_not_apply_to_a_passthrough_only_tls_route() {
    let topology = unmet_policy_on_tls_route(
        "[{name: gw, sectionName: through}]",
        "[{name: infra-backend-v1, port: 8080}]",
    );
    assert_eq!(
        parent_conditions(&topology),
        [(
            Some("through".to_string()),
            vec![
                "Accepted=True/Accepted".to_string(),
                "ResolvedRefs=True/ResolvedRefs".to_string()
            ]
        )]
    );
    let backend = &topology.gateway.routes[0].rules[0].backends[0];
    assert_eq!(backend.problem, None);
    assert!(backend.service.is_some());
    assert_eq!(
        unmet_diagnostics(&topology),
        0,
        "{:?}",
        topology.diagnostics
    );
    assert_eq!(
        conditions(the_policy(&topology)),
        [
            "Accepted=False/NoValidCACertificate",
            "ResolvedRefs=False/InvalidCACertificateRef"
        ]
    );
    let trace = tls_to(&topology, "through.example.com");
    assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
    assert_eq!(super::requests::outcome(&trace), "v1");
    let hop = proxy_hop(&trace);
    assert!(
        hop.contains("(BackendTLSPolicy gateway-conformance-infra/reencrypt does not apply: the client's own TLS passes through)"),
        "{hop}"
    );
    assert!(
        !trace.hops.iter().any(|h| h.detail.contains("invalid")),
        "{:?}",
        trace.hops
    );
}

/// §11.15 and §11.9: under `tls.mode: Terminate` the proxy opens a TLS connection
/// of its own to the backend, so the same unmet policy makes the TLSRoute's
/// backend invalid: ResolvedRefs False with the policy's reason,
/// `gateway-backend-tls-policy-unmet`, and the connection answered 500.
#[test]
fn s11_15_an_unmet_policy_invalidates_a_tls_route_under_terminate() {
    let topology = unmet_policy_on_tls_route(
        "[{name: gw, sectionName: ends}]",
        "[{name: infra-backend-v1, port: 8080}]",
    );
    assert_eq!(
        parent_conditions(&topology),
        [(
            Some("ends".to_string()),
            vec![
                "Accepted=True/Accepted".to_string(),
                "ResolvedRefs=False/InvalidCACertificateRef".to_string()
            ]
        )]
    );
    let backend = &topology.gateway.routes[0].rules[0].backends[0];
    assert_eq!(backend.problem, Some("InvalidCACertificateRef"));
    assert_eq!(backend.service, None);
    assert_eq!(
        unmet_diagnostics(&topology),
        1,
        "{:?}",
        topology.diagnostics
    );
    let trace = tls_to(&topology, "ends.example.com");
    assert_eq!(trace.verdict, Verdict::Rejected, "{}", trace.reason);
    assert_eq!(trace.http.as_ref().and_then(|h| h.status), Some(500));
    assert!(
        trace
            .reason
            .contains("is invalid (InvalidCACertificateRef)"),
        "{}",
        trace.reason
    );
}

/// §11.15: status is per parent. A TLSRoute with one parentRef per listener gets
/// ResolvedRefs False (the policy's reason) only on the Terminate one; the
/// Passthrough one reports the first other problem, here a missing Service, or
/// True. One parentRef that attaches to both listeners gets False, since the
/// policy applies through one of them. Either way the trace goes by the listener:
/// 500 under Terminate, the backend under Passthrough.
#[test]
fn s11_15_a_tls_route_on_both_modes_counts_the_policy_per_parent() {
    let per_listener = "[{name: gw, sectionName: ends}, {name: gw, sectionName: through}]";
    for (parent_refs, backend_refs, expected) in [
        (
            per_listener,
            "[{name: infra-backend-v1, port: 8080}]",
            vec![
                ("ends", "ResolvedRefs=False/InvalidCACertificateRef"),
                ("through", "ResolvedRefs=True/ResolvedRefs"),
            ],
        ),
        (
            per_listener,
            "[{name: infra-backend-v1, port: 8080, weight: 1}, {name: missing, port: 8080, weight: 0}]",
            vec![
                ("ends", "ResolvedRefs=False/InvalidCACertificateRef"),
                ("through", "ResolvedRefs=False/BackendNotFound"),
            ],
        ),
        (
            "[{name: gw}]",
            "[{name: infra-backend-v1, port: 8080}]",
            vec![("", "ResolvedRefs=False/InvalidCACertificateRef")],
        ),
    ] {
        let topology = unmet_policy_on_tls_route(parent_refs, backend_refs);
        let found: Vec<(String, String)> = parent_conditions(&topology)
            .into_iter()
            .map(|(section, conditions)| {
                assert_eq!(conditions[0], "Accepted=True/Accepted", "{parent_refs}");
                (section.unwrap_or_default(), conditions[1].clone())
            })
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(s, c)| (s.to_string(), c.to_string()))
            .collect();
        assert_eq!(found, expected, "{parent_refs} {backend_refs}");
        assert_eq!(
            unmet_diagnostics(&topology),
            1,
            "{parent_refs}: {:?}",
            topology.diagnostics
        );
        assert_eq!(
            topology.gateway.routes[0].rules[0].backends[0].problem,
            Some("InvalidCACertificateRef")
        );

        let ended = tls_to(&topology, "ends.example.com");
        assert_eq!(
            ended.http.as_ref().and_then(|h| h.status),
            Some(500),
            "{parent_refs}: {}",
            ended.reason
        );
        let through = tls_to(&topology, "through.example.com");
        assert_eq!(
            super::requests::outcome(&through),
            "v1",
            "{parent_refs}: {}",
            through.reason
        );
        assert!(
            proxy_hop(&through).contains("does not apply"),
            "{}",
            proxy_hop(&through)
        );
    }
}

/// §11.15 with the positions of `docs/diagnostics.md`: a target that is not in the
/// input and a CA certificate reference to a ConfigMap that is not are each
/// reported at their own entry (line and column), not at the list, whose first
/// entry is valid.
#[test]
fn s11_15_each_broken_reference_is_at_its_own_entry() {
    let yaml = input_with("apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: api-tls}\nspec:\n  targetRefs:\n  - {group: \"\", kind: Service, name: api}\n  - {group: \"\", kind: Service, name: gone}\n  validation:\n    hostname: api.internal\n    caCertificateRefs:\n    - {group: \"\", kind: ConfigMap, name: ca}\n    - {group: \"\", kind: ConfigMap, name: lost}\n");
    let topology = analyze_text(yaml.clone());
    let position = |needle: &str| {
        let (index, line) = yaml
            .lines()
            .enumerate()
            .find(|(_, line)| line.contains(needle))
            .unwrap();
        (index + 1, line.find(needle).unwrap() + 1)
    };
    let found: Vec<(&str, String, (usize, usize))> = topology
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("gateway-backend-tls"))
        .map(|d| (d.code, d.field.clone(), (d.source.line, d.source.column)))
        .collect();
    assert_eq!(
        found,
        [
            (
                "gateway-backend-tls-target-not-found",
                "spec.targetRefs[1]".to_string(),
                position("{group: \"\", kind: Service, name: gone}")
            ),
            (
                "gateway-backend-tls-bad-ca-ref",
                "spec.validation.caCertificateRefs[1]".to_string(),
                position("{group: \"\", kind: ConfigMap, name: lost}")
            ),
        ]
    );
}
