//! §11.10 Tracing a request through a Gateway: the hops and the JSON of a traced
//! request, and the request form, which reads as the CLI's flags do.

use kubetopo::engine::model::Protocol;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::trace::{
    parse_http_request, HopAction, SeededChooser, TraceSource, Tracer, Verdict,
};

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
    assert_eq!(json["schemaVersion"], 2);
    assert_eq!(json["http"]["status"], 200);
    assert_eq!(json["http"]["route"], "HTTPRoute/shop/storefront");
    assert_eq!(json["http"]["rule"], 1);
    assert_eq!(json["http"]["backendService"], "payments/payments");
    assert_eq!(json["http"]["listener"], "http");

    let redirected = send(&topology, &Request::get("http://shop.example.com/basket/7"));
    assert_eq!(redirected.verdict, Verdict::Redirected);
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
