//! §11.13 Simulator choices, where upstream leaves room: a RequestRedirect on a
//! backendRef answers the redirect for that backend's share of the requests.

use kubetopo::engine::trace::Verdict;

use super::requests::{filter_hops, outcome, send, split_route, Request};

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
