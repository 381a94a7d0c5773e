//! §11.9 GRPCRoute, TLSRoute, TCPRoute and UDPRoute: gRPC calls, TLS passthrough and
//! termination on the SNI, and a listener's TCP connections going to the oldest Route, with the
//! vectors of upstream's conformance tests.

use kubetopo::engine::model::Protocol;
use kubetopo::engine::trace::{
    parse_destination, HopAction, SeededChooser, TraceSource, Tracer, Verdict,
};

use super::requests::{address, base, gateway, outcome, run, send, Request, NS};

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
