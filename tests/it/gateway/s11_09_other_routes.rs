//! §11.9 GRPCRoute, TLSRoute, TCPRoute and UDPRoute: gRPC calls and UNAVAILABLE when no
//! backend can take them, TLS passthrough and termination on the SNI, a listener's TCP
//! connections going to the oldest Route, and UDP datagrams through a UDPRoute, with the
//! vectors of upstream's conformance tests.

use kubetopo::engine::model::Protocol;
use kubetopo::engine::trace::{
    parse_destination, HopAction, SeededChooser, TraceSource, Tracer, Verdict,
};

use super::requests::{address, base, gateway, outcome, run, send, Request, NS};
use super::status;

/// §11.9: gRPC calls through a GRPCRoute, and UNIMPLEMENTED when none matches.
#[test]
fn grpc_calls() {
    let route = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: echo, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [grpc.example.com]\n  rules:\n  - matches: [{{method: {{service: pkg.Echo}}}}]\n    backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n  - matches: [{{method: {{service: pkg.Echo, method: Stream}}}}]\n    backendRefs: [{{name: infra-backend-v2, port: 8080}}]\n---\n");
    let topology = run(&format!(
        "{}{}{route}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let call = |path: &str| {
        send(
            &topology,
            &Request::get(&format!("grpc://grpc.example.com{path}")),
        )
    };
    assert_eq!(outcome(&call("/pkg.Echo/Say")), "v1");
    assert_eq!(outcome(&call("/pkg.Echo/Stream")), "v2");
    let missing = call("/pkg.Other/Say");
    assert_eq!(missing.verdict, Verdict::Unresolved);
    assert_eq!(
        missing.http.as_ref().unwrap().grpc_status,
        Some("UNIMPLEMENTED")
    );
    assert_eq!(call("/pkg.Echo/Say").http.unwrap().grpc_status, Some("OK"));
}

/// §11.9: TLS passthrough routes on SNI; an unserved SNI is refused.
#[test]
fn tls_passthrough() {
    let routes = format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {{name: a, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [a.example.com]\n  rules: [{{backendRefs: [{{name: infra-backend-v1, port: 8080}}]}}]\n---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TLSRoute\nmetadata: {{name: b, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [\"*.com\"]\n  rules: [{{backendRefs: [{{name: infra-backend-v2, port: 8080}}]}}]\n---\n");
    let topology = run(&format!("{}{}{routes}", base(), gateway("gw", "  - {name: tls, port: 443, protocol: TLS, hostname: \"*.example.com\", tls: {mode: Passthrough}}\n")));
    let url = format!("https://{}/", address(&topology, "gw"));
    for (sni, expected) in [
        ("a.example.com", "v1"),
        ("b.example.com", "v2"),
        ("x.org", "404"),
    ] {
        let trace = send(
            &topology,
            &Request {
                sni: Some(sni),
                ..Request::get(&url)
            },
        );
        if expected == "404" {
            // No listener claims x.org at all: listener isolation answers it.
            assert_ne!(trace.verdict, Verdict::Delivered, "{sni}");
        } else {
            assert_eq!(outcome(&trace), expected, "{sni}: {}", trace.reason);
        }
    }
}

/// §11.9 and §11.15: on a TLS listener of mode Terminate (two TLS listeners of
/// either mode on one port, told apart by SNI), the Gateway ends the client's TLS
/// with the listener's certificate and sends the stream on decrypted; under
/// Passthrough the backend ends it, and a BackendTLSPolicy on the backend cannot
/// apply, while under Terminate it makes the proxy speak TLS again.
#[test]
fn tls_terminate_ends_tls_at_the_gateway_and_passthrough_does_not() {
    let route = |name: &str, host: &str, backend: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {{name: {name}, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [{host}]\n  rules: [{{backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]}}]\n---\n")
    };
    let policy = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {{name: reencrypt, namespace: {NS}}}\nspec:\n  targetRefs: [{{group: \"\", kind: Service, name: infra-backend-v1}}, {{group: \"\", kind: Service, name: infra-backend-v2}}]\n  validation: {{hostname: backend.internal, wellKnownCACertificates: System}}\n---\n");
    let listeners = "  - {name: ends, port: 443, protocol: TLS, hostname: ends.example.com, tls: {mode: Terminate, certificateRefs: [{name: cert}]}}\n  - {name: through, port: 443, protocol: TLS, hostname: through.example.com, tls: {mode: Passthrough}}\n";
    let hop = |trace: &kubetopo::engine::trace::Trace, action: HopAction| {
        trace
            .hops
            .iter()
            .find(|h| h.action == action)
            .map(|h| h.detail.clone())
            .unwrap_or_else(|| panic!("no {action:?} hop: {}", trace.reason))
    };
    for with_policy in [false, true] {
        let topology = run(&format!(
            "{}{}{}{}{}",
            base(),
            gateway("gw", listeners),
            route("ends", "ends.example.com", "v1"),
            route("through", "through.example.com", "v2"),
            if with_policy { policy.as_str() } else { "" },
        ));
        let url = format!("https://{}/", address(&topology, "gw"));
        let to = |sni: &str| {
            send(
                &topology,
                &Request {
                    sni: Some(sni),
                    ..Request::get(&url)
                },
            )
        };

        let ended = to("ends.example.com");
        assert_eq!(outcome(&ended), "v1", "{}", ended.reason);
        let route_hop = hop(&ended, HopAction::GatewayRoute);
        assert!(
            route_hop.contains(&format!("listener ends terminates TLS with Secret {NS}/cert (mode Terminate) and sends the decrypted stream on as plain TCP")),
            "{route_hop}"
        );
        let proxy = hop(&ended, HopAction::Proxy);
        assert_eq!(
            proxy.contains(&format!(
                "over TLS (BackendTLSPolicy {NS}/reencrypt), SNI backend.internal"
            )),
            with_policy,
            "{proxy}"
        );

        let through = to("through.example.com");
        assert_eq!(outcome(&through), "v2", "{}", through.reason);
        let route_hop = hop(&through, HopAction::GatewayRoute);
        assert!(
            route_hop.contains("the client's TLS passes through undecrypted"),
            "{route_hop}"
        );
        assert!(!route_hop.contains("terminates"), "{route_hop}");
        let proxy = hop(&through, HopAction::Proxy);
        assert!(!proxy.contains("over TLS"), "{proxy}");
        assert_eq!(
            proxy.contains(&format!("(BackendTLSPolicy {NS}/reencrypt does not apply: the client's own TLS passes through)")),
            with_policy,
            "{proxy}"
        );
    }
}

/// §11.9, upstream's multiple-TCPRoutes test: both Routes are attached, and only the
/// older one's backend gets the listener's connections.
#[test]
fn tcp_traffic_goes_to_the_oldest_route() {
    let tcp_route = |name: &str, stamp: &str, backend: &str| {
        format!("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {{name: {name}, namespace: {NS}, creationTimestamp: \"{stamp}\"}}\nspec:\n  parentRefs: [{{name: gw}}]\n  rules: [{{backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]}}]\n---\n")
    };
    let topology = run(&format!(
        "{}{}{}{}",
        base(),
        gateway("gw", "  - {name: tcp, port: 9000, protocol: TCP}\n"),
        tcp_route("newer", "2026-02-01T00:00:00Z", "v2"),
        tcp_route("older", "2026-01-01T00:00:00Z", "v1"),
    ));
    let ip = address(&topology, "gw");
    for seed in 0..20 {
        let destination = parse_destination(&format!("{ip}:9000")).unwrap();
        let trace = Tracer::new(&topology).trace(
            &TraceSource::External {
                client_ip: "198.51.100.7".parse().unwrap(),
            },
            &destination,
            Protocol::Tcp,
            &mut SeededChooser::new(seed),
        );
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        assert!(
            trace.reason.contains("infra-backend-v1"),
            "{}",
            trace.reason
        );
        assert!(trace
            .hops
            .iter()
            .any(|h| h.action == HopAction::GatewayRoute && h.detail.contains("older")));
    }
}

/// §11.9 and §11.7: a gRPC call whose rule cannot send it to a backend fails with
/// UNAVAILABLE (the trace's 500, verdict `rejected`): every backend weighted 0, a
/// backendRef to a Service not in the input, no backendRefs at all, and the share
/// of a split that picks the invalid backend. A valid backend without a ready
/// endpoint is UNAVAILABLE too (503). A call the valid backend takes is OK.
#[test]
fn s11_9_grpc_calls_without_a_usable_backend_are_unavailable() {
    let route = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: echo, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [grpc.example.com]\n  rules:\n  - matches: [{{method: {{service: pkg.Ok}}}}]\n    backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n  - matches: [{{method: {{service: pkg.Zero}}}}]\n    backendRefs: [{{name: infra-backend-v1, port: 8080, weight: 0}}, {{name: infra-backend-v2, port: 8080, weight: 0}}]\n  - matches: [{{method: {{service: pkg.Missing}}}}]\n    backendRefs: [{{name: missing, port: 8080}}]\n  - matches: [{{method: {{service: pkg.None}}}}]\n  - matches: [{{method: {{service: pkg.Half}}}}]\n    backendRefs: [{{name: infra-backend-v2, port: 8080}}, {{name: missing, port: 8080}}]\n  - matches: [{{method: {{service: pkg.Idle}}}}]\n    backendRefs: [{{name: idle, port: 8080}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: idle, namespace: {NS}}}\nspec:\n  selector: {{app: nothing}}\n  ports: [{{port: 8080}}]\n---\n");
    let topology = run(&format!(
        "{}{}{route}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n")
    ));
    let call = |service: &str, seed: u64| {
        send(
            &topology,
            &Request {
                seed,
                ..Request::get(&format!("grpc://grpc.example.com/{service}/Say"))
            },
        )
    };
    let answer = |trace: &kubetopo::engine::trace::Trace| {
        let http = trace.http.as_ref().expect("through the Gateway");
        (trace.verdict, http.status, http.grpc_status)
    };
    let ok = call("pkg.Ok", 0);
    assert_eq!(outcome(&ok), "v1", "{}", ok.reason);
    assert_eq!(
        answer(&ok),
        (Verdict::Delivered, Some(200), Some("OK")),
        "{}",
        ok.reason
    );
    for service in ["pkg.Zero", "pkg.Missing", "pkg.None"] {
        let trace = call(service, 0);
        assert_eq!(
            answer(&trace),
            (Verdict::Rejected, Some(500), Some("UNAVAILABLE")),
            "{service}: {}",
            trace.reason
        );
        assert!(trace.reason.contains("UNAVAILABLE"), "{}", trace.reason);
        assert_eq!(trace.http.as_ref().unwrap().backend_service, None);
    }
    let idle = call("pkg.Idle", 0);
    assert_eq!(
        answer(&idle),
        (Verdict::Rejected, Some(503), Some("UNAVAILABLE")),
        "{}",
        idle.reason
    );
    // A 1:1 split with an invalid backend: over the seeds, both answers, nothing else.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let trace = call("pkg.Half", seed);
        let got = answer(&trace);
        assert!(
            got == (Verdict::Delivered, Some(200), Some("OK"))
                || got == (Verdict::Rejected, Some(500), Some("UNAVAILABLE")),
            "seed {seed}: {got:?} {}",
            trace.reason
        );
        seen.insert(got.2);
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [Some("OK"), Some("UNAVAILABLE")]
    );
    // The status names the gRPC failure too.
    let missing = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-backend-not-found" && d.field.contains("rules[2]"))
        .expect("the missing backend is reported");
    assert!(
        missing.message.contains("UNAVAILABLE"),
        "{}",
        missing.message
    );
}

/// §11.9 with §11.3 and §11.4: a UDPRoute attaches to a Gateway's UDP listener and
/// not to its TCP listener (a TCP listener takes only TCPRoutes: named by
/// `sectionName`, it is Accepted=False/NotAllowedByListeners). A datagram to the
/// Gateway's address on the UDP listener's port (`--protocol UDP`) reaches a proxy
/// pod, then the UDPRoute's backend, on the backend Service's UDP port; the TCP
/// listener, with no Route, refuses connections.
#[test]
fn s11_9_a_udp_route_carries_datagrams_on_a_udp_listener_only() {
    let objects = format!("apiVersion: v1\nkind: Service\nmetadata: {{name: dns, namespace: {NS}}}\nspec:\n  selector: {{app: dns}}\n  ports:\n  - {{name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}}\n  - {{name: dns, port: 53, protocol: UDP, targetPort: 5354}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: dns, namespace: {NS}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: dns}}}}\n  template:\n    metadata: {{labels: {{app: dns}}}}\n    spec: {{containers: [{{name: c, image: dns, ports: [{{containerPort: 5353, protocol: TCP}}, {{containerPort: 5354, protocol: UDP}}]}}]}}\n---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: UDPRoute\nmetadata: {{name: dns, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw}}]\n  rules: [{{backendRefs: [{{name: dns, port: 53}}]}}]\n---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: UDPRoute\nmetadata: {{name: on-tcp, namespace: {NS}}}\nspec:\n  parentRefs: [{{name: gw, sectionName: tcp}}]\n  rules: [{{backendRefs: [{{name: dns, port: 53}}]}}]\n---\n");
    let topology = run(&format!(
        "{}{}{objects}",
        base(),
        gateway(
            "gw",
            "  - {name: dns, port: 53, protocol: UDP}\n  - {name: tcp, port: 5300, protocol: TCP}\n"
        )
    ));
    // Status: attached to the UDP listener only; refused where named on the TCP one.
    let attached: Vec<(&str, usize)> = status::gateway(&topology, "gw")
        .listeners
        .iter()
        .map(|l| (l.name.as_str(), l.attached_routes))
        .collect();
    assert_eq!(attached, [("dns", 1), ("tcp", 0)]);
    let parent_status = |name: &str| {
        status::conditions(&status::route(&topology, name).parents[0].conditions)[0].clone()
    };
    assert_eq!(parent_status("dns"), "Accepted=True/Accepted");
    assert_eq!(
        parent_status("on-tcp"),
        "Accepted=False/NotAllowedByListeners"
    );
    assert!(topology
        .diagnostics
        .iter()
        .any(|d| d.code == "gateway-route-not-allowed"
            && d.object == format!("UDPRoute/{NS}/on-tcp")));

    let ip = address(&topology, "gw");
    let to = |port: u16, protocol: Protocol, seed: u64| {
        Tracer::new(&topology).trace(
            &TraceSource::External {
                client_ip: "198.51.100.7".parse().unwrap(),
            },
            &parse_destination(&format!("{ip}:{port}")).unwrap(),
            protocol,
            &mut SeededChooser::new(seed),
        )
    };
    for seed in 0..10 {
        let trace = to(53, Protocol::Udp, seed);
        assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
        assert!(
            trace.hops.iter().any(
                |h| h.action == HopAction::GatewayListener && h.detail.contains("listener dns")
            ),
            "{:?}",
            trace.hops
        );
        assert!(
            trace
                .hops
                .iter()
                .any(|h| h.action == HopAction::GatewayRoute
                    && h.detail.contains(&format!("UDPRoute {NS}/dns"))),
            "{:?}",
            trace.hops
        );
        assert!(
            trace.reason.contains(&format!("{NS}/dns")),
            "{}",
            trace.reason
        );
        // The Service's UDP port, not its TCP port of the same number.
        assert_eq!(
            trace.endpoint.as_ref().unwrap().port,
            5354,
            "{}",
            trace.reason
        );
    }
    let refused = to(5300, Protocol::Tcp, 0);
    assert_eq!(refused.verdict, Verdict::Rejected, "{}", refused.reason);
    assert!(
        refused
            .reason
            .contains("no TCPRoute is attached to listener tcp"),
        "{}",
        refused.reason
    );
}
