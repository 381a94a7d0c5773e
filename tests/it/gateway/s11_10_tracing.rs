//! §11.10 Tracing a request through a Gateway: the hops and the JSON of a traced
//! request, and the request form, which reads as the CLI's flags do.

use kubetopo::engine::model::Protocol;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::trace::{
    parse_http_request, HopAction, SeededChooser, TraceSource, Tracer, Verdict,
};

use kubetopo::engine::trace_overlay::verdict_text;

use super::canary;
use super::requests::{kubetopo_sample, send, Request};

/// §11.10: the hops and the `http` object of a delivered request, and the CLI flags.
#[test]
fn trace_hops_and_json() {
    let topology = kubetopo_sample();
    let trace = send(
        &topology,
        &Request {
            seed: 3,
            ..Request::get("http://shop.example.com/pay/now")
        },
    );
    let actions: Vec<HopAction> = trace.hops.iter().map(|h| h.action).collect();
    for action in [
        HopAction::Dns,
        HopAction::LoadBalancer,
        HopAction::GatewayListener,
        HopAction::GatewayRoute,
        HopAction::GatewayBackend,
        HopAction::Proxy,
        HopAction::Deliver,
    ] {
        assert!(actions.contains(&action), "{action:?} in {actions:?}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::trace::to_json(&trace)).unwrap();
    assert_eq!(json["schemaVersion"], 3);
    assert_eq!(json["http"]["status"], 200);
    assert_eq!(json["http"]["route"], "HTTPRoute/shop/storefront");
    assert_eq!(json["http"]["rule"], 1);
    assert_eq!(json["http"]["backendService"], "payments/payments");
    assert_eq!(json["http"]["listener"], "http");

    let redirected = send(&topology, &Request::get("http://shop.example.com/basket/7"));
    assert_eq!(redirected.verdict, Verdict::Redirected);
    let redirected_json: serde_json::Value =
        serde_json::from_str(&kubetopo::engine::trace::to_json(&redirected)).unwrap();
    assert_eq!(redirected_json["verdict"], "redirected");
    assert_eq!(redirected_json["http"]["status"], 301);
    assert_eq!(
        redirected_json["http"]["location"],
        "http://shop.example.com/cart/7"
    );
    // On the picture the verdict names the answer once, with its status and node.
    let text = verdict_text(&redirected);
    assert!(
        text.starts_with("redirected 301 on "),
        "the picture's verdict: {text}"
    );
    assert_eq!(
        redirected.http.unwrap().location.as_deref(),
        Some("http://shop.example.com/cart/7")
    );

    // A host no Gateway claims still goes through Ingress rules (none here): no `http`.
    let elsewhere = send(&topology, &Request::get("http://nowhere.example.net/"));
    assert_eq!(elsewhere.verdict, Verdict::Unresolved);
    assert!(elsewhere.http.is_none());
}

/// §11.10: the request form reads as `kubetopo trace --to URL --method --header`.
#[test]
fn s11_10_request_form_parses_like_the_cli() {
    let (destination, options) =
        parse_http_request("shop.example.com", "/cart?x=1", "post", "X-A: 1\n\nx-b:two").unwrap();
    assert_eq!(destination.to_string(), "http://shop.example.com/cart?x=1");
    assert_eq!(options.method, "POST");
    assert_eq!(
        options.headers,
        [
            ("X-A".to_string(), "1".to_string()),
            ("x-b".to_string(), "two".to_string())
        ]
    );
    let (destination, options) =
        parse_http_request("https://shop.example.com:8443", "", "", "").unwrap();
    assert_eq!(destination.to_string(), "https://shop.example.com:8443/");
    assert_eq!(options.method, "GET");
    assert_eq!(
        parse_http_request("", "/", "GET", "").unwrap_err(),
        "the request needs a host"
    );
    assert_eq!(
        parse_http_request("a.example", "cart", "GET", "").unwrap_err(),
        "the path \"cart\" must start with /"
    );
    assert_eq!(
        parse_http_request("a.example", "/", "FETCH", "").unwrap_err(),
        "\"FETCH\" is not an HTTP method; use one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH"
    );
    assert_eq!(
        parse_http_request("a.example", "/", "GET", "no colon").unwrap_err(),
        "\"no colon\" is not a header; write it as 'Name: value'"
    );
    // A Host header line is the Host (for gRPC the `:authority`) the request is
    // routed by, as `--host` is; `--host` wins over it.
    let (_, options) =
        parse_http_request("203.0.113.40", "/", "GET", "Host: shop.example.com\nX-A: 1").unwrap();
    assert_eq!(options.host_header(), Some("shop.example.com"));
    let options = kubetopo::engine::trace::HttpOptions {
        host: Some("api.example.com".to_string()),
        ..options
    };
    assert_eq!(options.host_header(), Some("api.example.com"));
    // Traced, it goes where the CLI's trace goes.
    let topology = canary();
    let (destination, options) = parse_http_request("shop.example.com", "/pay", "GET", "").unwrap();
    let trace = Tracer::new(&topology).trace_http(
        &TraceSource::External {
            client_ip: kubetopo::engine::trace::DEFAULT_CLIENT_IP,
        },
        &destination,
        Protocol::Tcp,
        &options,
        &mut SeededChooser::new(0),
    );
    assert_eq!(trace.verdict, Verdict::Delivered);
    let http = trace.http.expect("an HTTP result");
    assert_eq!(
        http.backend_service,
        Some(NamespacedName::new("payments", "payments"))
    );
}

/// §11.10: every hop of the proxy's decisions says which section decided: the
/// listener, the rule, each filter (the rule's and the chosen backendRef's, of every
/// kind) and the backend.
#[test]
fn s11_10_every_gateway_hop_cites_its_section() {
    use super::requests::{address, split_route};
    let rule = "    filters:\n    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: \"1\"}]}}\n    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-B, value: \"2\"}]}}\n    - {type: URLRewrite, urlRewrite: {hostname: inner.example}}\n    - {type: RequestMirror, requestMirror: {backendRef: {name: infra-backend-v2, port: 8080}}}\n    - {type: CORS, cors: {allowOrigins: [\"https://a.example\"]}}\n";
    let backend = "    - name: infra-backend-v1\n      port: 8080\n      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {remove: [x-a]}}]\n";
    let (filters, ip) = split_route(rule, backend);
    let sample = kubetopo_sample();
    let sample_ip = address(&sample, "web");
    let mut traces = vec![send(&filters, &Request::get(&format!("http://{ip}/any")))];
    for path in ["/", "/cart", "/basket", "/nothing-here"] {
        let url = format!("http://{sample_ip}{path}");
        traces.push(send(
            &sample,
            &Request {
                host: Some("shop.example.com"),
                ..Request::get(&url)
            },
        ));
    }
    let gateway_actions = [
        HopAction::GatewayListener,
        HopAction::GatewayRoute,
        HopAction::GatewayFilter,
        HopAction::GatewayBackend,
    ];
    let mut n_filters = 0;
    for trace in &traces {
        for hop in trace
            .hops
            .iter()
            .filter(|h| gateway_actions.contains(&h.action))
        {
            n_filters += usize::from(hop.action == HopAction::GatewayFilter);
            assert!(
                hop.detail.contains("(§11.") || hop.detail.contains("; §11."),
                "{:?}: {}",
                hop.action,
                hop.detail
            );
        }
    }
    assert!(
        n_filters >= 6,
        "the filters of every kind were run: {n_filters}"
    );
}

/// §11.10: a host that several Gateways claim on the port goes to the first by
/// namespace/name, and the listener hop says which others claim it too.
#[test]
fn s11_10_a_host_several_gateways_claim_goes_to_the_first_by_name() {
    use super::requests::{base, gateway, http_route, run};
    let route = |name: &str, gateway: &str| {
        http_route(
            name,
            &format!("  parentRefs: [{{name: {gateway}}}]\n  hostnames: [shop.example.com]\n  rules:\n  - backendRefs: [{{name: infra-backend-v1, port: 8080}}]\n"),
        )
    };
    let listener = "  - {name: http, port: 80, protocol: HTTP}\n";
    let topology = run(&format!(
        "{}{}{}{}{}",
        base(),
        gateway("zeta", listener),
        gateway("alpha", listener),
        route("to-zeta", "zeta"),
        route("to-alpha", "alpha"),
    ));
    let trace = send(&topology, &Request::get("http://shop.example.com/"));
    assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
    let http = trace.http.as_ref().unwrap();
    assert_eq!(
        http.route.as_deref(),
        Some("HTTPRoute/gateway-conformance-infra/to-alpha")
    );
    let claims = trace
        .hops
        .iter()
        .find(|h| h.detail.contains("claims shop.example.com"))
        .map(|h| h.detail.as_str())
        .unwrap_or_default();
    assert!(
        claims.contains("Gateway gateway-conformance-infra/alpha claims shop.example.com on port 80 (so do gateway-conformance-infra/zeta; kubetopo takes the first by namespace/name)"),
        "{claims}"
    );
}
