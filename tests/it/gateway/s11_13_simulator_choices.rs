//! §11.13 Simulator choices, where upstream leaves room: a RequestRedirect on a
//! backendRef answers the redirect for that backend's share of the requests; a
//! request animated as a flow keeps its method and headers.

use kubetopo::engine::model::Protocol;
use kubetopo::engine::sim::{Flow, FlowOrigin, SimConfig, Simulator};
use kubetopo::engine::trace::{parse_destination, HttpOptions, TraceSource, Verdict};

use super::requests::{filter_hops, outcome, send, split_route, Request};

/// A flow as the trace form adds it: from external clients to `to`, carrying
/// `http`, one connection per tick.
fn user_flow(label: String, to: &str, http: HttpOptions) -> Flow {
    Flow {
        label,
        origin: FlowOrigin::User,
        source: TraceSource::ExternalClients { n_clients: 4 },
        destination: parse_destination(to).unwrap(),
        protocol: Protocol::Tcp,
        http,
        rate: 1.0,
    }
}

/// §11.13: a RequestRedirect on a backendRef answers the redirect for the requests
/// the weighted choice sends to that backend, and the other backend still serves its
/// share.
#[test]
fn s11_13_a_redirect_on_a_backend_ref_answers_for_that_backends_share() {
    let (topology, ip) = split_route(
        "",
        "    - name: infra-backend-v1\n      port: 8080\n      filters: [{type: RequestRedirect, requestRedirect: {hostname: moved.example.com, statusCode: 301}}]\n    - {name: infra-backend-v2, port: 8080}\n",
    );
    let mut reached = Vec::new();
    for seed in 0..20 {
        let trace = send(
            &topology,
            &Request {
                seed,
                ..Request::get(&format!("http://{ip}/a?b=1"))
            },
        );
        let got = outcome(&trace);
        match got.as_str() {
            "301" => {
                assert_eq!(trace.verdict, Verdict::Redirected);
                assert_eq!(
                    trace.http.as_ref().unwrap().location.as_deref(),
                    Some("http://moved.example.com/a?b=1")
                );
                assert!(filter_hops(&trace)[0].contains("backendRef"));
            }
            "v2" => assert!(filter_hops(&trace).is_empty()),
            other => panic!("{other}: {}", trace.reason),
        }
        reached.push(got);
    }
    assert!(
        reached.iter().any(|b| b == "301") && reached.iter().any(|b| b == "v2"),
        "{reached:?}"
    );
}

/// §11.13: a request animated as a flow keeps its method and headers, so a CORS
/// preflight (§11.8) is answered by the Gateway on every connection: each counts as
/// `answered`, none reaches a pod, and the replayed trace of a connection is the
/// preflight's.
#[test]
fn s11_13_a_preflight_animated_as_a_flow_counts_as_answered() {
    let (topology, ip) = split_route(
        "    filters:\n    - type: CORS\n      cors: {allowOrigins: [\"https://app.example.com\"], allowMethods: [GET, PUT]}\n",
        "    - {name: infra-backend-v1, port: 8080}\n",
    );
    let flow = |method: &str, headers: &[(&str, &str)]| {
        user_flow(
            format!("{method} /items"),
            &format!("http://{ip}/items"),
            HttpOptions {
                method: method.to_string(),
                headers: headers
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
                ..HttpOptions::default()
            },
        )
    };
    let preflight = flow(
        "OPTIONS",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
        ],
    );
    let mut simulator =
        Simulator::with_flows(topology.clone(), SimConfig::default(), vec![preflight]);
    for _ in 0..200 {
        simulator.tick();
    }
    let counters = simulator.counters();
    assert!(counters.count(Verdict::Answered) > 0, "{counters:?}");
    assert_eq!(counters.count(Verdict::Delivered), 0, "{counters:?}");
    assert!(counters.per_endpoint.is_empty(), "{counters:?}");
    assert!(
        counters.per_node.values().any(|counts| counts.answered > 0),
        "{counters:?}"
    );
    let path = simulator.open_connection(0).unwrap();
    let trace = simulator.path_trace(path).unwrap();
    assert_eq!(trace.verdict, Verdict::Answered, "{}", trace.reason);
    // The same URL with the default request, a GET, reaches the backend.
    let mut plain = Simulator::with_flows(topology, SimConfig::default(), vec![flow("GET", &[])]);
    for _ in 0..200 {
        plain.tick();
    }
    let counters = plain.counters();
    assert!(counters.count(Verdict::Delivered) > 0, "{counters:?}");
    assert_eq!(counters.count(Verdict::Answered), 0, "{counters:?}");
}

/// §11.13: a flow the user adds is labelled with what it carries besides the URL,
/// so two flows to one Gateway address that differ only in their Host header are
/// told apart in the flow list; and each follows the Route its Host selects, as
/// its trace does.
#[test]
fn s11_13_flows_to_one_address_are_labelled_by_their_host() {
    use super::requests::{address, base, gateway, http_route, run, NS};
    use kubetopo::engine::sim::request_label;
    let route = |name: &str, host: &str, backend: &str| {
        http_route(
            name,
            &format!("  parentRefs: [{{name: gw}}]\n  hostnames: [{host}]\n  rules:\n  - backendRefs: [{{name: infra-backend-{backend}, port: 8080}}]\n"),
        )
    };
    let topology = run(&format!(
        "{}{}{}{}",
        base(),
        gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
        route("a", "a.example.com", "v1"),
        route("b", "b.example.com", "v2"),
    ));
    let to = format!("http://{}/", address(&topology, "gw"));
    // The request form's headers, as typed: a Host header is the host routed by.
    let carrying = |host: &str| HttpOptions {
        headers: vec![("Host".to_string(), host.to_string())],
        ..HttpOptions::default()
    };
    let (a, b) = (carrying("a.example.com"), carrying("b.example.com"));
    let (label_a, label_b) = (
        request_label("client", &to, &a),
        request_label("client", &to, &b),
    );
    assert_eq!(label_a, format!("client → {to} (Host: a.example.com)"));
    assert_ne!(label_a, label_b);
    // The method shows when it is not GET; a plain GET is the URL alone.
    let post = HttpOptions {
        method: "POST".to_string(),
        headers: vec![
            ("Host".to_string(), "a.example.com".to_string()),
            ("X-A".to_string(), "1".to_string()),
        ],
        ..HttpOptions::default()
    };
    assert_eq!(
        request_label("client", &to, &post),
        format!("client → POST {to} (Host: a.example.com, X-A: 1)")
    );
    assert_eq!(
        request_label("client", &to, &HttpOptions::default()),
        format!("client → {to}")
    );

    for (label, http, backend) in [(label_a, a, "v1"), (label_b, b, "v2")] {
        let mut simulator = Simulator::with_flows(
            topology.clone(),
            SimConfig::default(),
            vec![user_flow(label, &to, http)],
        );
        for _ in 0..200 {
            simulator.tick();
        }
        let counters = simulator.counters();
        let reached: Vec<&String> = counters.per_endpoint.keys().collect();
        assert!(!reached.is_empty(), "{counters:?}");
        let expected = format!("{NS}/infra-backend-{backend}-");
        assert!(
            reached.iter().all(|key| key.starts_with(&expected)),
            "{reached:?}"
        );
    }
}
